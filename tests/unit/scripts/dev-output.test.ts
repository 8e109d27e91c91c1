import path from "node:path"
import { describe, expect, it } from "vitest"
import { restartsMedusaDevelop } from "../../../scripts/lib/dev-output.mjs"

describe("npm run dev's output file and Medusa's file watcher", () => {
  const project = path.join("/home", "me", "my shop")
  const at = (relative: string) => path.join(project, relative)

  it("a log anywhere Medusa watches would restart the server: the root, src, any plain folder", () => {
    for (const file of ["dev.log", "logs/dev.log", "src/dev.log", "src/api/dev.log", "distant/dev.log", "admin/dev.log"]) {
      expect(restartsMedusaDevelop(project, at(file)), file).toBe(true)
    }
  })

  it("a log where the watcher does not look is fine: dot folders and files, its ignored root folders, outside the project", () => {
    for (const file of [".data/dev.log", ".dev.log", "logs/.hidden/dev.log", "node_modules/dev.log", "dist/dev.log", "static/dev.log", "private/a/dev.log", ".medusa/dev.log", "src/admin/dev.log"]) {
      expect(restartsMedusaDevelop(project, at(file)), file).toBe(false)
    }
    expect(restartsMedusaDevelop(project, path.join("/home", "me", "dev.log"))).toBe(false)
    expect(restartsMedusaDevelop(project, path.join("/tmp", "dev.log"))).toBe(false)
  })
})
