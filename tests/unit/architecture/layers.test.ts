import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

/**
 * The "Layers" table of docs/ARCHITECTURE.md is the one statement of which
 * folder of src/ may import which: this file reads it and holds every import
 * in src/ to it, so the doc cannot say one thing while the code does another.
 */

const root = fileURLToPath(new URL("../../../", import.meta.url))
const architectureDoc = "docs/ARCHITECTURE.md"

type Layer = {
  /** Folders this row governs, each `src/…/`; each is a layer of its own that shares the row's rules. */
  folders: string[]
  /** `src/…/` (that folder and its subfolders) or a file path, `*` matching within one path segment. */
  mayImport: string[]
  /** Package specifiers, `*` matching any characters. */
  neverImports: string[]
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1])

const tableCells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim())

function readLayersTable(markdown: string): Layer[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith("Layers\n"))
  if (!section) throw new Error(`${architectureDoc} has no "## Layers" section`)
  const [header, , ...rows] = section.split("\n").filter((line) => line.startsWith("|"))
  const columns = tableCells(header ?? "")
  const expected = ["folder", "what it is", "may import", "never imports"]
  if (columns.join("|") !== expected.join("|")) {
    throw new Error(`${architectureDoc} Layers table columns are ${columns.join(", ")}; expected ${expected.join(", ")}`)
  }
  return rows.map((row) => {
    const [folderCell, , mayImportCell, neverImportsCell] = tableCells(row)
    const mayImport = codeSpans(mayImportCell)
    if (mayImport.length === 0 && mayImportCell !== "nothing of ours") {
      throw new Error(`${architectureDoc} Layers row "${folderCell}": "may import" names no folder and is not "nothing of ours"`)
    }
    return { folders: codeSpans(folderCell), mayImport, neverImports: codeSpans(neverImportsCell) }
  })
}

function sourceFilesUnder(folder: string): string[] {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${folder}/${entry.name}`
    if (entry.isDirectory()) return sourceFilesUnder(relative)
    return /\.tsx?$/.test(entry.name) ? [relative] : []
  })
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&")

/** Whether a src/ file is named by a "may import" entry. */
function entryCovers(entry: string, file: string): boolean {
  if (entry.endsWith("/")) return file.startsWith(entry)
  return new RegExp(`^${escapeRegExp(entry).replace(/\*/g, "[^/]*")}$`).test(file)
}

/** Whether a package specifier is named by a "never imports" pattern (a package covers its subpaths). */
function patternCovers(pattern: string, specifier: string): boolean {
  const exact = new RegExp(`^${escapeRegExp(pattern).replace(/\*/g, ".*")}(/.*)?$`)
  return exact.test(specifier)
}

const layers = readLayersTable(readFileSync(path.join(root, architectureDoc), "utf8"))
const files = sourceFilesUnder("src")
const fileSet = new Set(files)
const allFolders = layers.flatMap((layer) => layer.folders)

/** The folder of the table that governs a file: the longest one containing it. */
const folderOf = (file: string) =>
  allFolders.filter((folder) => file.startsWith(folder)).sort((a, b) => b.length - a.length)[0]

const layerOf = (folder: string) => layers.find((layer) => layer.folders.includes(folder))!

/** The src/ file a relative specifier names, as the TypeScript build resolves it. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), specifier)
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`, base.replace(/\.js$/, ".ts")]
  return candidates.find((candidate) => fileSet.has(candidate))
}

type Import = { file: string; line: number; specifier: string }

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(root, file), "utf8")
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false)
  // Static imports and re-exports, `import()` and `require()`: every way a file can load another.
  const { importedFiles } = ts.preProcessFile(text, true, true)
  return importedFiles.map(({ fileName, pos }) => ({
    file,
    line: source.getLineAndCharacterOfPosition(pos).line + 1,
    specifier: fileName,
  }))
}

const allImports = files.flatMap(importsOf)

const describeAllowed = (layer: Layer) => (layer.mayImport.length ? layer.mayImport.join(", ") : "nothing of ours")

function violationOf({ file, line, specifier }: Import): string | undefined {
  const folder = folderOf(file)
  // A file no row governs is reported by the test on the table itself.
  if (!folder) return undefined
  const layer = layerOf(folder)
  const at = `${file}:${line} → ${specifier}`
  if (!specifier.startsWith(".")) {
    const pattern = layer.neverImports.find((candidate) => patternCovers(candidate, specifier))
    return pattern && `${at} (${folder} never imports ${pattern})`
  }
  const target = resolveRelative(file, specifier)
  if (!target) return `${at} (names no .ts/.tsx file under src/)`
  if (folderOf(target) === folder) return undefined
  if (layer.mayImport.some((entry) => entryCovers(entry, target))) return undefined
  return `${at} (${folder} may not import ${folderOf(target) ?? target}: its row allows ${describeAllowed(layer)})`
}

describe(`the Layers table of ${architectureDoc}`, () => {
  it("governs every file of src/", () => {
    expect(layers.length).toBeGreaterThan(10)
    expect(files.filter((file) => !folderOf(file)).map((file) => `${file} (no row of the Layers table governs it)`)).toEqual([])
  })

  it("names only folders and files that exist", () => {
    const ghosts = [
      ...allFolders.filter((folder) => !folder.endsWith("/") || !files.some((file) => file.startsWith(folder))),
      ...layers.flatMap((layer) => layer.mayImport).filter((entry) => !files.some((file) => entryCovers(entry, file))),
    ]
    expect([...new Set(ghosts)].map((entry) => `${entry} (no .ts/.tsx file there)`)).toEqual([])
  })

  it("holds for every import in src/", () => {
    // A reader that found no imports would pass anything.
    expect(allImports.filter((entry) => entry.specifier.startsWith(".")).length).toBeGreaterThan(100)
    expect(allImports.map(violationOf).filter((violation) => violation !== undefined)).toEqual([])
  })
})

describe("the layer rules' own reading", () => {
  it("matches folders, files, globs and packages as the table's intro says", () => {
    expect(entryCovers("src/payments/", "src/payments/views/admin-view.ts")).toBe(true)
    expect(entryCovers("src/payments/*.ts", "src/payments/policy.ts")).toBe(true)
    expect(entryCovers("src/payments/*.ts", "src/payments/views/admin-view.ts")).toBe(false)
    expect(entryCovers("src/click/", "src/clickety/x.ts")).toBe(false)
    expect(patternCovers("@medusajs/*", "@medusajs/framework/utils")).toBe(true)
    expect(patternCovers("node:http", "node:http")).toBe(true)
    expect(patternCovers("node:http", "node:https")).toBe(false)
    expect(patternCovers("express", "express/lib/router")).toBe(true)
    expect(patternCovers("express", "express-rate-limit")).toBe(false)
    expect(patternCovers("*", "zod")).toBe(true)
  })
})
