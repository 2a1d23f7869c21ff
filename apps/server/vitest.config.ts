import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig({
  // puppeteer (playground-browser.test.ts) can reject a protocol call still in flight inside
  // puppeteer itself when the browser closes after the last test: "Target closed". Every
  // assertion of the test has passed by then, so that one error name is not a failure.
  ignoredUnhandledErrors: ['TargetCloseError'],
});
