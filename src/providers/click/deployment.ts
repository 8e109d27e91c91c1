import { configManager } from "@medusajs/framework/config"
import { Modules } from "@medusajs/framework/utils"
import { checkDeployment, isServingCommand, type DeploymentFacts } from "../../lib/deployment-checks"
import { clickLogger } from "../../lib/logger"

type ModuleEntry = { resolve?: unknown; options?: { providers?: Array<{ resolve?: unknown }> } } | boolean | undefined

const resolveOf = (entry: ModuleEntry) => (typeof entry === "object" && typeof entry.resolve === "string" ? entry.resolve : undefined)

/** The facts of this process: its Medusa command (`medusa <command>`) and its loaded configuration. */
function deploymentFacts(command: string | undefined): DeploymentFacts {
  const config = configManager.config
  const modules = (config.modules ?? {}) as Record<string, ModuleEntry>
  const locking = modules[Modules.LOCKING]
  const lockingProviders = typeof locking === "object" ? (locking.options?.providers ?? []) : []
  return {
    command,
    workerMode: config.projectConfig.workerMode,
    eventBus: resolveOf(modules[Modules.EVENT_BUS]),
    workflowEngine: resolveOf(modules[Modules.WORKFLOW_ENGINE]),
    lockingProviders: lockingProviders.map((provider) => resolveOf(provider as ModuleEntry)).filter((r): r is string => !!r),
  }
}

/**
 * At the provider's boot: refuses to start an instance whose configuration
 * certainly breaks the plugin's work across instances, and warns where that
 * depends on instances this one cannot see (src/lib/deployment-checks.ts).
 */
export function checkDeploymentAtBoot(argv: string[] = process.argv): void {
  const command = argv[2]
  if (!isServingCommand(command)) return
  const { refusals, warnings } = checkDeployment(deploymentFacts(command))
  for (const warning of warnings) clickLogger.warn(warning)
  if (refusals.length) throw new Error(`medusa-payment-click: ${refusals.join("\n")}`)
}
