/** Where the deviations table is written (the repository's docs/ folder). */
export const DEVIATIONS_DOC = new URL('../../../docs/tgw-deviations.md', import.meta.url);
