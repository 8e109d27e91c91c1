import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import Redis from "ioredis"
import type { TestProject } from "vitest/node"
import { freePort } from "../../scripts/lib/postgres.mjs"

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's Redis for the files that prove the Redis paths; empty when none can be had. */
    redisUrl: string
  }
}

interface RunRedis {
  url: string
  stop(): Promise<void>
}

/** Debian's redis-server (`apt-get install redis-server`, which .ci/run does), or REDIS_SERVER_PATH. */
function redisServerBinary(): string | undefined {
  const candidates = [process.env.REDIS_SERVER_PATH, ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "redis-server")), "/usr/bin/redis-server"]
  return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate))
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.ping()) === "PONG"
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/**
 * TEST_REDIS_URL when it is set (CI's Redis); otherwise a private
 * redis-server of this run, on a free loopback port, keeping nothing on disk,
 * stopped with the run: the Redis files run wherever redis-server is
 * installed, without depending on a service of the machine.
 */
async function startRunRedis(): Promise<RunRedis | undefined> {
  if (process.env.TEST_REDIS_URL) return { url: process.env.TEST_REDIS_URL, stop: async () => {} }
  const binary = redisServerBinary()
  if (!binary) return undefined
  const port = (await freePort()) as number
  const dir = mkdtempSync(path.join(os.tmpdir(), "click-test-redis-"))
  const child: ChildProcess = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: "ignore",
  })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  while (!(await answers(url))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL")
      throw new Error(`${binary} did not answer on ${url}: set TEST_REDIS_URL to a Redis of yours`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    async stop() {
      child.kill("SIGTERM")
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const shared = globalThis as typeof globalThis & { clickRedisRun?: { redis: Promise<RunRedis | undefined>; users: number } }

export default async function setup(project: TestProject) {
  shared.clickRedisRun ??= { redis: startRunRedis(), users: 0 }
  shared.clickRedisRun.users++
  const redis = await shared.clickRedisRun.redis
  if (!redis && shared.clickRedisRun.users === 1) {
    console.warn(
      "\n*** No Redis: set TEST_REDIS_URL or install redis-server (apt-get install -y redis-server). " +
        "The Redis locking and server/worker files fail in this run. ***\n"
    )
  }
  project.provide("redisUrl", redis?.url ?? "")
  return async () => {
    const current = shared.clickRedisRun
    if (!current || --current.users > 0) return
    shared.clickRedisRun = undefined
    await redis?.stop()
  }
}
