#!/usr/bin/env node
// Validate a Teams app package with Microsoft's `@microsoft/app-manifest`, offline.
//
// Usage: node tools/validate_manifest.mjs DIR
//
// DIR holds an unpacked app package: manifest.json plus the files it names (icons and
// localization files). manifest.json is checked with AppManifestUtils.validateAgainstSchema
// against the schema its "$schema" names; every localization file is checked the same way
// against the localization schema it names. The package bundles the official schemas
// (v1.0–v1.30); a "$schema" it does not bundle is an error here instead of a download.
//
// @microsoft/app-manifest 1.1.2 requires fs-extra without declaring it: package.json pins it.
//
// Output (stdout): a JSON object mapping each checked file to its list of errors.
// Exit code: 0 when there are no errors, 1 when there are, 2 on unusable input.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import appManifest from "@microsoft/app-manifest";

const { AppManifestUtils } = appManifest;

// Never reach for the network: the bundled schemas are the ones we validate against.
globalThis.fetch = async (url) => {
  throw new Error(`network disabled: ${url} is not bundled with @microsoft/app-manifest`);
};

function bundledSchema(json) {
  const url = json.$schema;
  if (typeof url !== "string") {
    return 'missing "$schema"';
  }
  const suffix = AppManifestUtils.getLocalSchemaSuffix(url);
  const found = suffix && AppManifestUtils.getLocalSchemaCandidates(suffix).some(existsSync);
  return found ? null : `schema ${url} is not bundled with @microsoft/app-manifest`;
}

// Escape a "]" that closes no character class. The bundled localization schemas (all
// versions) contain the pattern "^activities.activityTypes\[\b(...)\b]\.description$",
// which ajv compiles with the "u" flag, where a lone "]" is a syntax error; escaped, it
// means what it means without the flag.
function escapeLoneBrackets(pattern) {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      out += c + (pattern[i + 1] ?? "");
      i++;
    } else if (c === "[" && !inClass) {
      inClass = true;
      out += c;
    } else if (c === "]" && inClass) {
      inClass = false;
      out += c;
    } else {
      out += c === "]" ? "\\]" : c;
    }
  }
  return out;
}

function repairPatterns(node) {
  if (Array.isArray(node)) {
    return node.map(repairPatterns);
  }
  if (node === null || typeof node !== "object") {
    return node;
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "patternProperties") {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([p, v]) => [escapeLoneBrackets(p), repairPatterns(v)]),
      );
    } else if (key === "pattern" && typeof value === "string") {
      out[key] = escapeLoneBrackets(value);
    } else {
      out[key] = repairPatterns(value);
    }
  }
  return out;
}

async function validateFile(file) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return [`cannot read JSON: ${error.message}`];
  }
  const missing = bundledSchema(json);
  if (missing) {
    return [missing];
  }
  try {
    return await AppManifestUtils.validateAgainstSchema(json);
  } catch (error) {
    if (!(error instanceof SyntaxError)) {
      return [`the validator failed: ${error.message}`];
    }
  }
  // The bundled schema has a pattern ajv cannot compile: validate against a repaired copy.
  const schema = repairPatterns(await AppManifestUtils.fetchSchema(json.$schema));
  return AppManifestUtils.validateAgainstSchema(json, schema);
}

function referencedFiles(manifest) {
  const files = [];
  for (const icon of Object.values(manifest.icons ?? {})) {
    files.push(icon);
  }
  const info = manifest.localizationInfo ?? {};
  if (info.defaultLanguageFile) {
    files.push(info.defaultLanguageFile);
  }
  const localizations = (info.additionalLanguages ?? []).map((language) => language.file);
  return { files: [...files, ...localizations], localizations: [info.defaultLanguageFile, ...localizations].filter(Boolean) };
}

async function main() {
  const dir = process.argv[2];
  const manifestPath = dir && path.join(dir, "manifest.json");
  if (!manifestPath || !existsSync(manifestPath)) {
    process.stderr.write("usage: node tools/validate_manifest.mjs DIR (DIR/manifest.json must exist)\n");
    return 2;
  }
  const report = { "manifest.json": await validateFile(manifestPath) };
  let manifest = {};
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch {
    // already reported
  }
  const { files, localizations } = referencedFiles(manifest);
  for (const file of files) {
    if (typeof file !== "string" || !existsSync(path.join(dir, file))) {
      report["manifest.json"].push(`the package has no file ${JSON.stringify(file)}`);
    }
  }
  for (const file of localizations) {
    if (existsSync(path.join(dir, file))) {
      report[file] = await validateFile(path.join(dir, file));
    }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return Object.values(report).some((errors) => errors.length > 0) ? 1 : 0;
}

process.exitCode = await main();
