import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by
 * `scripts/install-browser-deps.sh` and `.ci/run`), WebGPU on SwiftShader, nothing that reaches
 * the network. `RNNKIT_CHROMIUM` points at another executable.
 */
export const CHROMIUM = process.env.RNNKIT_CHROMIUM ?? '/usr/bin/chromium';

/** WebGPU on SwiftShader (Vulkan), no sandbox (containers), no background traffic. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why Chromium can't run here (with how to install it), or undefined when it can. */
export function chromiumUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (bash scripts/install-browser-deps.sh, or apt-get install chromium)`;
}

/**
 * The repo's rule for a browser test that can't run: in CI (`CI` set) it is a failure — a
 * backend that can't start must not pass as a skip — elsewhere the test is skipped and says why.
 */
export function skipOrFailInCi(what: string, reason: string): void {
  if (process.env.CI) throw new Error(`${what} cannot run in CI: ${reason}`);
  console.log(`${what}: skipped: ${reason}`);
}

/** Starts headless Chromium with `CHROMIUM_FLAGS`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS] });
}

/**
 * Collects what a page reports as wrong: uncaught errors, and console errors (and warnings
 * unless `warnings: false`). The array fills as the page runs; a test expects it empty.
 */
export function pageProblems(page: Page, { warnings = true }: { warnings?: boolean } = {}): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || (warnings && m.type() === 'warning')) problems.push(m.text());
  });
  return problems;
}
