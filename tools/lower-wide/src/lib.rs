//! The same module with each wide-arithmetic instruction
//! (`i64.add128`, `i64.sub128`, `i64.mul_wide_s`, `i64.mul_wide_u`) turned into a call of a
//! function imported from `evmpc_wide` with the same parameters and results.
//!
//! Engines that cannot read wide arithmetic (WABT 1.0.32's `wasm2c`, V8 as Node.js 20 ships
//! it) then run the artifact's own code; the embedding supplies the four functions (the
//! LLVM path in `tools/llvm-path` does, with 128-bit integers). Everything else is copied as
//! it is; function indices move up by the four new imports, so the `name` section, which
//! would name the wrong functions, is dropped.

use std::convert::Infallible;
use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{EntityType, Instruction, ValType};
use wasmparser::{Operator, Parser, Payload, Validator, WasmFeatures};

/// The imported module that supplies the lowered instructions.
pub const MODULE: &str = "evmpc_wide";

/// Each lowered instruction: its import's name and whether it multiplies (two operands)
/// or adds (two 128-bit operands as four halves).
const LOWERED: [(&str, bool); 4] = [("add128", false), ("sub128", false), ("mul_wide_s", true), ("mul_wide_u", true)];

/// What the rewrite needs to know of the input before it starts.
struct Lower {
    /// Function imports of the input: the new imports take the indices after them.
    imported_functions: u32,
    /// Types of the input: the two new function types come after them.
    types: u32,
}

impl Lower {
    fn call(&self, op: usize) -> Instruction<'static> {
        Instruction::Call(self.imported_functions + op as u32)
    }
}

impl Reencode for Lower {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<Infallible>> {
        Ok(if func >= self.imported_functions { func + LOWERED.len() as u32 } else { func })
    }

    fn instruction<'a>(&mut self, op: Operator<'a>) -> Result<Instruction<'a>, Error<Infallible>> {
        Ok(match op {
            Operator::I64Add128 => self.call(0),
            Operator::I64Sub128 => self.call(1),
            Operator::I64MulWideS => self.call(2),
            Operator::I64MulWideU => self.call(3),
            op => utils::instruction(self, op)?,
        })
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_type_section(self, types, section)?;
        types.ty().function([ValType::I64; 4], [ValType::I64; 2]);
        types.ty().function([ValType::I64; 2], [ValType::I64; 2]);
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        utils::parse_import_section(self, imports, section)?;
        for (name, multiplies) in LOWERED {
            imports.import(MODULE, name, EntityType::Function(self.types + u32::from(multiplies)));
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        if section.name() == "name" {
            return Ok(());
        }
        utils::parse_custom_section(self, module, section)
    }
}

/// `wasm` with its wide arithmetic lowered to calls of the `evmpc_wide` imports.
///
/// # Errors
/// A message when `wasm` is not a valid module, has no type or function import section to
/// extend, or the result does not validate without wide arithmetic.
pub fn lower(wasm: &[u8]) -> Result<Vec<u8>, String> {
    Validator::new_with_features(WasmFeatures::all()).validate_all(wasm).map_err(|e| format!("invalid input: {e}"))?;
    let mut lower = Lower { imported_functions: 0, types: 0 };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(types) => lower.types = types.count(),
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                        lower.imported_functions += 1;
                    }
                }
            }
            _ => {}
        }
    }
    if lower.types == 0 || lower.imported_functions == 0 {
        return Err("the input has no type or function import section to extend".into());
    }
    let mut module = wasm_encoder::Module::new();
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    lower.parse_core_module(&mut module, parser, wasm).map_err(|e| format!("{e:?}"))?;
    let out = module.finish();
    let mut without_wide = WasmFeatures::all();
    without_wide.remove(WasmFeatures::WIDE_ARITHMETIC);
    Validator::new_with_features(without_wide)
        .validate_all(&out)
        .map_err(|e| format!("lowered module invalid: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, ImportSection, Module, TypeSection,
    };

    /// A module importing one function, with a defined function that uses every wide
    /// instruction and calls itself with the result, exported.
    fn module() -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        types.ty().function([ValType::I64; 2], [ValType::I64]);
        let mut imports = ImportSection::new();
        imports.import("env", "f", EntityType::Function(0));
        let mut functions = FunctionSection::new();
        functions.function(1);
        let mut body = Function::new([]);
        for instruction in [
            Instruction::LocalGet(0),
            Instruction::LocalGet(1),
            Instruction::I64MulWideU,
            Instruction::LocalGet(0),
            Instruction::LocalGet(1),
            Instruction::I64MulWideS,
            Instruction::I64Add128,
            Instruction::LocalGet(0),
            Instruction::LocalGet(1),
            Instruction::I64Sub128,
            Instruction::Call(1),
            Instruction::End,
        ] {
            body.instruction(&instruction);
        }
        let mut code = CodeSection::new();
        code.function(&body);
        let mut exports = ExportSection::new();
        exports.export("g", ExportKind::Func, 1);
        let mut module = Module::new();
        module.section(&types).section(&imports).section(&functions).section(&exports).section(&code);
        module.finish()
    }

    #[test]
    fn wide_instructions_become_calls_of_new_imports() {
        let out = lower(&module()).unwrap();
        let mut imports = Vec::new();
        let mut calls = Vec::new();
        let mut export = None;
        for payload in Parser::new(0).parse_all(&out) {
            match payload.unwrap() {
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import.unwrap();
                        imports.push(format!("{}.{}", import.module, import.name));
                    }
                }
                Payload::ExportSection(section) => export = Some(section.into_iter().next().unwrap().unwrap().index),
                Payload::CodeSectionEntry(body) => {
                    for op in body.get_operators_reader().unwrap() {
                        if let Operator::Call { function_index } = op.unwrap() {
                            calls.push(function_index);
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(
            imports,
            ["env.f", "evmpc_wide.add128", "evmpc_wide.sub128", "evmpc_wide.mul_wide_s", "evmpc_wide.mul_wide_u"]
        );
        // mul_wide_u, mul_wide_s, add128, sub128, then the function's call of itself.
        assert_eq!(calls, [4, 3, 1, 2, 5]);
        assert_eq!(export, Some(5), "the defined function moved past the new imports");
    }

    #[test]
    fn a_module_without_imports_is_refused() {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut module = Module::new();
        module.section(&types);
        assert!(lower(&module.finish()).unwrap_err().contains("no type or function import section"));
    }
}
