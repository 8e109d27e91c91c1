import { describeTwoProcesses } from "./harness/two-processes"

describeTwoProcesses("Postgres advisory locks", {})
