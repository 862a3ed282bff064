/**
 * Galata configuration. Uses Debian's Chromium (/usr/bin/chromium): Playwright
 * cannot download its own browser here. Video is off (it needs a Playwright
 * ffmpeg download). Start with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 set.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  reporter: [['list']],
  retries: 0,
  workers: 1,
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'npm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
