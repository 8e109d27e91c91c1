// Small statistics and a worker pool for scripts/bench.mjs.

/** Linear-interpolated percentile (p in 0..100) of unsorted numbers. */
export function percentile(values, p) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low)
}

const round = (x, digits = 2) => (x === null || x === undefined ? null : Number(x.toFixed(digits)))

/** Latency summary in ms; throughput in requests/s over `wallMs` when given. */
export function summarize(samples, wallMs) {
  const n = samples.length
  return {
    n,
    p50_ms: round(percentile(samples, 50)),
    p95_ms: round(percentile(samples, 95)),
    mean_ms: round(n ? samples.reduce((a, b) => a + b, 0) / n : null),
    min_ms: round(n ? Math.min(...samples) : null),
    max_ms: round(n ? Math.max(...samples) : null),
    ...(wallMs ? { throughput_rps: round((n * 1000) / wallMs, 1), wall_ms: round(wallMs, 0) } : {}),
  }
}

export function ratio(numerator, denominator, target) {
  const value = numerator && denominator ? numerator / denominator : null
  return { value: round(value, 3), target, met: value !== null && value <= target }
}

/** Runs fn(item, index) over items with `concurrency` workers; resolves with results in item order and the wall time. */
export async function runPool(items, concurrency, fn) {
  const results = new Array(items.length)
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index], index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return { results, wallMs: performance.now() - started }
}
