import { vitestConfig } from '../../vitest.shared.js';

// The generator's drift tests sit beside it in scripts/.
export default vitestConfig({ include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'] });
