// Validates Kubernetes manifests offline against the OpenAPI-derived JSON
// schemas of kubernetes-models: each object's validate() (types, formats,
// enums, required fields), then a strict pass it lacks: every key must be a
// property of its type, read from the same package's generated .d.ts
// interfaces, so a typo ("runAsNonRot") is an error as `kubectl apply
// --validate=strict` makes it. Usage: node validate.mjs FILE.yaml...
// Prints one JSON line per object: {"file", "kind", "name", "error"|null}.
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const here = path.dirname(new URL(import.meta.url).pathname);

// A .d.ts file's first interface: property name -> type text, and the file
// each imported type name comes from.
const shapes = new Map();
function shapeOf(dts) {
  if (shapes.has(dts)) return shapes.get(dts);
  const text = fs.readFileSync(dts, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    let target = m[2];
    target = target.startsWith(".")
      ? path.resolve(path.dirname(dts), target)
      : path.join(here, "node_modules", target);
    imports.set(m[1], target.replace(/\.js$/, "") + ".d.ts");
  }
  let props = null;
  const body = text.match(/export interface I\w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/);
  if (body) {
    props = new Map();
    for (const m of body[1].matchAll(/^    "(\w+)"\??: (.+?);?$/gm)) props.set(m[1], m[2]);
  }
  const shape = { imports, props };
  shapes.set(dts, shape);
  return shape;
}

function strict(value, dts, where, errors) {
  const { imports, props } = shapeOf(dts);
  if (!props || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!props.has(key)) {
      errors.push(`${where}.${key}: unknown field`);
      continue;
    }
    const ref = props.get(key).match(/^(Array<)?(I\w+)>?$/);
    if (!ref || !imports.has(ref[2])) continue;
    const items = ref[1] ? (Array.isArray(child) ? child : []) : [child];
    items.forEach((item, i) =>
      strict(item, imports.get(ref[2]), ref[1] ? `${where}.${key}[${i}]` : `${where}.${key}`, errors));
  }
}

const modules = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
};

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const object = doc.toJS();
    if (object === null) continue;
    const result = { file, kind: object.kind, name: object.metadata?.name, error: null };
    const modulePath = modules[object.apiVersion];
    if (!modulePath) {
      result.error = `unsupported apiVersion ${object.apiVersion}`;
    } else {
      const Model = (await import(modulePath))[object.kind];
      if (!Model) {
        result.error = `unknown kind ${object.kind} in ${object.apiVersion}`;
      } else {
        try {
          new Model(object).validate();
          const errors = [];
          const file = `${here}/node_modules/${modulePath}/${object.kind}.d.ts`;
          strict(object, file, object.kind, errors);
          if (errors.length) result.error = errors.join("; ");
        } catch (error) {
          result.error = String(error.message || error);
        }
      }
    }
    failed ||= result.error !== null;
    console.log(JSON.stringify(result));
  }
}
process.exit(failed ? 1 : 0);
