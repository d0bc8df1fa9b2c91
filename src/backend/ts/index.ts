import type { Backend } from '../backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import {
  binary,
  cast,
  clamp,
  unary,
  unaryGrad,
  weightedSum,
  weightedSumBackward,
  where,
} from './elementwise.js';
import { gemm } from './gemm.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { batchNorm, batchNormBackward, batchNormStats } from './norm.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
} from './pool.js';
import { argReduce, reduce } from './reduce.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { insert, slice, transpose } from './shape.js';
import { softmax, softmaxCrossEntropy, softmaxCrossEntropyBackward, softmaxGrad } from './softmax.js';

/** The reference backend: plain TypeScript, runs anywhere (Node and browsers), the oracle in tests. */
export const tsBackend: Backend = {
  name: 'ts',
  binary,
  unary,
  unaryGrad,
  weightedSum,
  weightedSumBackward,
  clamp,
  where,
  cast,
  reduce,
  argReduce,
  gemm,
  transpose,
  slice,
  insert,
  indexSelect,
  indexAdd,
  gather,
  scatterAdd,
  softmax,
  softmaxGrad,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  lstmCell,
  lstmCellBackward,
  gruCell,
  gruCellBackward,
  batchNormStats,
  batchNorm,
  batchNormBackward,
  adamStep,
  sgdStep,
  rmspropStep,
  adagradStep,
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
};
