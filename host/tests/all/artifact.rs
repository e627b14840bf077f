//! The committed artifact is what the spec says: its features, imports, exports, memory.

use evmpc_host::abi::imports::{ImportSig, ValType, EXPORTS, IMPORTS, IMPORT_MODULE, MEMORY_EXPORT};
use evmpc_host::abi::limits::{GUEST_INITIAL_MEMORY, GUEST_STACK_SIZE};
use evmpc_host::artifact::ARTIFACT;
use wasmparser::{Operator, Parser, Payload, TypeRef, ValType as WasmVal, Validator, WasmFeatures};

/// Exactly the Wasm features the spec names: MVP, mutable globals, bulk memory, wide arithmetic.
fn spec_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL | WasmFeatures::FLOATS | WasmFeatures::BULK_MEMORY | WasmFeatures::WIDE_ARITHMETIC
}

#[test]
fn validates_with_only_the_spec_features() {
    Validator::new_with_features(spec_features())
        .validate_all(ARTIFACT)
        .expect("artifact needs only the spec's features");
    // And it needs each of them: the feature list is not larger than the artifact.
    for feature in [WasmFeatures::BULK_MEMORY, WasmFeatures::WIDE_ARITHMETIC] {
        let without = spec_features().difference(feature);
        assert!(Validator::new_with_features(without).validate_all(ARTIFACT).is_err(), "{feature:?} unused");
    }
}

fn is_float(op: &Operator<'_>) -> bool {
    let name = format!("{op:?}");
    name.starts_with("F32")
        || name.starts_with("F64")
        || name.contains("Trunc") && !name.starts_with("I64Trunc") && name.contains('F')
}

#[test]
fn has_no_float_instruction_or_type() {
    let mut functions = 0;
    for payload in Parser::new(0).parse_all(ARTIFACT) {
        match payload.expect("parses") {
            Payload::CodeSectionEntry(body) => {
                functions += 1;
                for local in body.get_locals_reader().unwrap() {
                    let (_, ty) = local.unwrap();
                    assert!(!matches!(ty, WasmVal::F32 | WasmVal::F64), "float local");
                }
                let mut reader = body.get_operators_reader().unwrap();
                while !reader.eof() {
                    let op = reader.read().unwrap();
                    assert!(!is_float(&op), "float instruction {op:?}");
                }
            }
            Payload::TypeSection(types) => {
                for group in types {
                    for ty in group.unwrap().types() {
                        let func = ty.unwrap_func();
                        assert!(func
                            .params()
                            .iter()
                            .chain(func.results())
                            .all(|t| matches!(t, WasmVal::I32 | WasmVal::I64)));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(functions > 100, "parsed {functions} functions");
}

fn abi_type(ty: WasmVal) -> ValType {
    match ty {
        WasmVal::I32 => ValType::I32,
        WasmVal::I64 => ValType::I64,
        other => panic!("non-integer type {other:?}"),
    }
}

#[test]
fn imports_and_exports_are_the_abi_tables() {
    let mut signatures = Vec::new();
    let mut imports = Vec::new();
    let mut function_types = Vec::new();
    let mut exports = Vec::new();
    let mut memory_pages = None;
    for payload in Parser::new(0).parse_all(ARTIFACT) {
        match payload.unwrap() {
            Payload::TypeSection(types) => {
                for group in types {
                    for ty in group.unwrap().types() {
                        let func = ty.unwrap_func();
                        signatures.push((
                            func.params().iter().map(|t| abi_type(*t)).collect::<Vec<_>>(),
                            func.results().iter().map(|t| abi_type(*t)).collect::<Vec<_>>(),
                        ));
                    }
                }
            }
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.unwrap();
                    let TypeRef::Func(index) = import.ty else { panic!("non-function import {}", import.name) };
                    imports.push((import.module.to_string(), import.name.to_string(), index));
                }
            }
            Payload::FunctionSection(section) => function_types.extend(section.into_iter().map(|t| t.unwrap())),
            Payload::ExportSection(section) => {
                for export in section {
                    let export = export.unwrap();
                    exports.push((export.name.to_string(), export.kind, export.index));
                }
            }
            Payload::MemorySection(section) => {
                for memory in section {
                    memory_pages = Some(memory.unwrap().initial);
                }
            }
            _ => {}
        }
    }
    for (module, name, index) in &imports {
        assert_eq!(module, IMPORT_MODULE);
        let sig = IMPORTS
            .iter()
            .find(|sig| sig.name == name)
            .unwrap_or_else(|| panic!("import {name} is not in the ABI table"));
        let (params, results) = &signatures[*index as usize];
        assert_eq!((params.as_slice(), results.as_slice()), (sig.params, sig.results), "import {name}");
    }
    let function_sig = |index: u32| -> &(Vec<ValType>, Vec<ValType>) {
        let local = index as usize - imports.len();
        &signatures[function_types[local] as usize]
    };
    let expected: Vec<&ImportSig> = EXPORTS.iter().collect();
    for sig in expected {
        let (_, _, index) = exports
            .iter()
            .find(|(name, _, _)| name == sig.name)
            .unwrap_or_else(|| panic!("export {} missing", sig.name));
        let (params, results) = function_sig(*index);
        assert_eq!((params.as_slice(), results.as_slice()), (sig.params, sig.results), "export {}", sig.name);
    }
    // Functions exported are exactly the table; besides them only the memory, the two
    // linker globals marking the heap, the allocator's heap mark and its hole, and the count of
    // pages the guest grew (spec/README.md §2).
    for (name, kind, _) in &exports {
        let known = EXPORTS.iter().any(|sig| sig.name == name)
            || name == MEMORY_EXPORT
            || (matches!(kind, wasmparser::ExternalKind::Global)
                && ["__heap_base", "__data_end", "heap_top", "heap_hole", "grown_pages"].contains(&name.as_str()));
        assert!(known, "unexpected export {name}");
    }
    assert_eq!(memory_pages, Some((GUEST_INITIAL_MEMORY / 65_536) as u64));
    const { assert!(GUEST_STACK_SIZE < GUEST_INITIAL_MEMORY) };
}
