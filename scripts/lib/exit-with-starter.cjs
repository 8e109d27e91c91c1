// Preloaded (NODE_OPTIONS=--require) into every process a test run or the bench starts with
// testEnv (scripts/lib/test-env.mjs): it ends as soon as the process that started it
// (CLICK_TEST_STARTER_PID) is gone. An interrupted run, a killed test worker or a killed bench
// then leaves no backend behind, whatever did not get to clean up.
const starter = Number(process.env.CLICK_TEST_STARTER_PID)
if (starter > 0) {
  setInterval(() => {
    try {
      process.kill(starter, 0)
    } catch (error) {
      if (error.code === "ESRCH") process.kill(process.pid, "SIGKILL")
    }
  }, 1000).unref()
}
