import { vitestConfig } from '../vitest.shared.js';

// The generator's drift tests sit beside it in scripts/; the self-test starts two reference
// servers and their proxies in one hook, hence the longer hook timeout.
export default vitestConfig({ include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'], hookTimeout: 180_000 });
