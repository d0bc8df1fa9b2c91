/**
 * The MNIST page in real headless Chromium: LeNet-5 trains in the page's worker on the digits neurite ships,
 * reaches ≥ 95 % test accuracy within the page's default budget, shows what it learned, and the drawing pad
 * classifies a test digit drawn from its pixels.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gotoFresh, openStudio, type Studio } from './helpers.js';

let studio: Studio;
let page: Page;

beforeAll(async () => {
  studio = await openStudio();
  page = await studio.newPage();
}, 120_000);

afterAll(async () => {
  await studio?.close();
});

describe('MNIST page', () => {
  it('loads the shipped digits with no console errors', async () => {
    await gotoFresh(page, `${studio.server.url}#/mnist`);
    await page.waitForSelector('#digit-23', { timeout: 60_000 });
    await page.waitForSelector('#epoch[data-epoch="0"]');
    expect(await page.textContent('#backend')).toBe('backend: wasm');
    expect(await page.locator('#filters canvas').count()).toBe(6);
    expect(await page.locator('#maps .map-row').count()).toBe(4); // C1, S2, C3, S4
    const params = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    expect(params.get('model')).toBe('lenet5-relu');
    expect(params.get('epochs')).toBe('2');
    expect(studio.errors).toEqual([]);
  });

  // The default budget (2 epochs) takes about 30 s on the WASM backend in headless Chromium here.
  it('trains LeNet-5 to ≥ 95 % test accuracy within its default budget', async () => {
    const t0 = Date.now();
    await page.click('#play');
    await page.waitForSelector('#epoch[data-done="true"]', { timeout: 400_000 });
    const seconds = (Date.now() - t0) / 1000;
    const accuracy = Number(await page.getAttribute('#test-accuracy', 'data-value'));
    console.log(
      `MNIST page: 2 epochs of LeNet-5 in ${seconds.toFixed(0)} s (${(seconds / 2).toFixed(0)} s/epoch), test accuracy ${(accuracy * 100).toFixed(2)} %`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    // the confusion matrix and the wrong digits agree with the accuracy
    const wrong = Math.round((1 - accuracy) * 2000);
    expect(await page.textContent('#wrong')).toContain(`${wrong} of 2,000 wrong`);
    expect(studio.errors).toEqual([]);
  }, 420_000);

  it('classifies a test digit drawn on the pad from its pixels', async () => {
    for (const index of [3, 7, 11]) {
      await page.click(`#digit-${index}`);
      const label = (await page.getAttribute(`#digit-${index}`, 'aria-label'))!.match(/a (\d)\)/)![1];
      await page.click('#to-pad');
      await page.waitForFunction(
        (l) => document.querySelector('#pad-probs')?.getAttribute('data-predicted') === l,
        label,
        {
          timeout: 10_000,
        },
      );
    }
  });
});
