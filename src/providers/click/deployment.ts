import { configManager } from "@medusajs/framework/config"
import { Modules } from "@medusajs/framework/utils"
import { checkDeployment, isServingCommand, type DeploymentFacts } from "../../lib/deployment-checks"
import { clickLogger } from "../../lib/logger"

type ProviderEntry = { resolve?: unknown; is_default?: boolean }
type ModuleEntry = (ProviderEntry & { options?: { providers?: ProviderEntry[] } }) | boolean | undefined

const resolveOf = (entry: ModuleEntry) => (typeof entry === "object" && typeof entry.resolve === "string" ? entry.resolve : undefined)

/** The facts of this process: its Medusa command (`medusa <command>`) and its loaded configuration. */
function deploymentFacts(command: string | undefined): DeploymentFacts {
  const config = configManager.config
  const modules = (config.modules ?? {}) as Record<string, ModuleEntry>
  const locking = modules[Modules.LOCKING]
  const lockingProviders = typeof locking === "object" ? (locking.options?.providers ?? []) : []
  // Medusa's locking module: the provider marked is_default, or the only one; else its in-memory provider.
  const defaultLockingProvider = lockingProviders.find((provider) => provider.is_default) ?? (lockingProviders.length === 1 ? lockingProviders[0] : undefined)
  return {
    command,
    workerMode: config.projectConfig.workerMode,
    eventBus: resolveOf(modules[Modules.EVENT_BUS]),
    workflowEngine: resolveOf(modules[Modules.WORKFLOW_ENGINE]),
    defaultLockingProvider: resolveOf(defaultLockingProvider),
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
