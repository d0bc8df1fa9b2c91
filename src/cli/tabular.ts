/**
 * Tables of features (built-in datasets and the user's CSV files) as experiments: a preprocessing pipeline
 * fitted on the training rows (feature crosses, standardisation) and the input/output handling for `predict` and
 * `eval --data`.
 */
import * as nt from '../node.js';
import { CliError } from './common.js';
import {
  classLabels,
  describeClasses,
  describeValues,
  type ExperimentIO,
  type Prediction,
  readTable,
  type TableSchema,
} from './experiment.js';

type Tensor = nt.Tensor;

export interface PipelineOptions {
  /** Polynomial features (crosses) up to this degree; 1 leaves the features as they are. */
  degree: number;
  /** Standardise every column with statistics of the training rows. */
  standardize: boolean;
}

/** Feature crosses, then standardisation, fitted on training rows and applied to every later input. */
export class TabularPipeline {
  poly: nt.data.PolynomialFeatures | null = null;
  scaler: nt.data.StandardScaler | null = null;

  constructor(readonly options: PipelineOptions) {}

  /** Fits on the training features and returns them transformed. */
  fitTransform(x: Tensor): Tensor {
    let out = x;
    if (this.options.degree > 1) {
      this.poly = new nt.data.PolynomialFeatures({ degree: this.options.degree });
      out = this.poly.fitTransform(out);
    }
    if (this.options.standardize) {
      this.scaler = new nt.data.StandardScaler();
      out = this.scaler.fitTransform(out);
    }
    return out;
  }

  transform(x: Tensor): Tensor {
    let out = x;
    if (this.poly) out = this.poly.transform(out);
    if (this.scaler) out = this.scaler.transform(out);
    return out;
  }

  /** Columns after the pipeline, for `inFeatures` columns before it. */
  outFeatures(inFeatures: number): number {
    if (this.options.degree <= 1) return inFeatures;
    return Number(nt.data.PolynomialFeatures.countOutputFeatures(inFeatures, this.options.degree));
  }

  /** The fitted steps as a checkpoint's `preprocessing.input` (for `nt.train.loadModel`), for these columns. */
  inputSpec(columns: readonly string[], encoded: readonly string[]): nt.train.InputSpec {
    const steps: nt.train.InputStep[] = [];
    if (this.poly) steps.push(this.poly.toJSON());
    if (this.scaler) steps.push(this.scaler.toJSON());
    const onehot =
      encoded.length > 0 ? ` (${encoded.join(', ')} one-hot encoded with preprocessing.encoders)` : '';
    return {
      description: `table rows of the features ${columns.join(', ')}${onehot}, as [N, features]`,
      steps,
    };
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.poly) out.poly = this.poly.toJSON();
    if (this.scaler) out.scaler = this.scaler.toJSON();
    return out;
  }

  /** Restores the fitted parts saved by {@link toJSON}. */
  restore(json: Record<string, unknown>): this {
    try {
      if (json.poly)
        this.poly = nt.data.PolynomialFeatures.fromJSON(json.poly as nt.data.PolynomialFeaturesJSON);
      if (json.scaler)
        this.scaler = nt.data.StandardScaler.fromJSON(json.scaler as nt.data.StandardScalerJSON);
    } catch (e) {
      throw new CliError(`the checkpoint's preprocessing is damaged: ${(e as Error).message}`);
    }
    if (
      this.options.degree > 1 !== (this.poly !== null) ||
      this.options.standardize !== (this.scaler !== null)
    ) {
      throw new CliError("the checkpoint's preprocessing does not match its recipe");
    }
    return this;
  }
}

/** What a tabular experiment's IO needs. */
export interface TabularIOOptions {
  schema: TableSchema;
  pipeline: TabularPipeline;
  task: 'classification' | 'binary' | 'regression';
  numClasses: number;
  classNames?: readonly string[];
}

/** Reading rows for `predict` and `eval --data`, and describing the model's outputs. */
export function tabularIO(o: TabularIOOptions): ExperimentIO {
  const cols = o.schema.columns;
  return {
    inputHelp:
      `a CSV file (header naming the columns ${cols.length <= 8 ? cols.join(', ') : `(${cols.length} features)`}, or ${cols.length} values per row without one), ` +
      `a .json file, or inline JSON: one row [${cols.length} values], rows [[…], …], or objects keyed by column name`,
    readInputs(input: string) {
      const { x } = readTable(input, o.schema, 'optional', 'the inputs');
      return { x: o.pipeline.transform(x) };
    },
    readLabelled(path: string) {
      const { x, y } = readTable(path, o.schema, 'required', 'the data');
      const target = y as Tensor;
      if (o.task === 'regression') {
        if (target.dtype !== 'float32')
          throw new CliError(
            `${path}: the target column ${JSON.stringify(o.schema.target)} must hold numbers`,
          );
        return { x: o.pipeline.transform(x), y: target };
      }
      return { x: o.pipeline.transform(x), y: classLabels(target, o.numClasses, path) };
    },
    describe(output: Tensor): Prediction[] {
      return o.task === 'regression' ? describeValues(output) : describeClasses(output, o.classNames);
    },
  };
}

/** Metrics for a tabular task. */
export function tabularMetrics(task: 'classification' | 'binary' | 'regression'): nt.train.MetricName[] {
  return task === 'regression' ? ['mse', 'mae', 'r2'] : ['accuracy', 'f1'];
}

/** The loss for a tabular task (logits out of the model). */
export function tabularLoss(task: 'classification' | 'binary' | 'regression'): nt.train.LossName {
  return task === 'regression' ? 'mse' : task === 'binary' ? 'bceWithLogits' : 'crossEntropy';
}
