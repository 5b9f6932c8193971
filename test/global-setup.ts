/**
 * Runs once before the suite. System binaries the e2e tests need are checked
 * here; see test/support/system-binaries.ts for how they are installed.
 */
export default async function setup(): Promise<void> {
  const { ensureSystemBinaries } = await import('./support/system-binaries.js');
  await ensureSystemBinaries();
}
