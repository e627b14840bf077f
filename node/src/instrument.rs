//! finite-wasm's analysis and instrumentation: one gas unit per Wasm operation (the node
//! multiplies by [`REGULAR_OP`](crate::costs::REGULAR_OP)), stack frames sized in bytes.

use finite_wasm::wasmparser as wp;
use finite_wasm::{prefix_sum_vec, Fee};

/// Stack sizes: a value's width in bytes; a frame is its locals.
struct StackSizes;

impl finite_wasm::max_stack::SizeConfig for StackSizes {
    fn size_of_value(&self, ty: wp::ValType) -> u8 {
        match ty {
            wp::ValType::I32 | wp::ValType::F32 => 4,
            wp::ValType::I64 | wp::ValType::F64 => 8,
            wp::ValType::V128 => 16,
            wp::ValType::Ref(_) => 8,
        }
    }

    fn size_of_function_activation(&self, locals: &prefix_sum_vec::PrefixSumVec<wp::ValType, u32>) -> u64 {
        u64::from(locals.max_index().map_or(0, |&last| last + 1)) * 8
    }
}

/// One unit of gas per operation, `end` excepted (finite-wasm charges a block's end with
/// the block).
struct PerOperation;

macro_rules! fee_of {
    (End) => {
        Fee::ZERO
    };
    ($other:ident) => {
        Fee::constant(1)
    };
}

macro_rules! one_per_operation {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Fee {
                $($(let _ = $arg;)*)?
                fee_of!($op)
            }
        )*
    };
}

impl<'a> wp::VisitOperator<'a> for PerOperation {
    type Output = Fee;

    fn simd_visitor(&mut self) -> Option<&mut dyn wp::VisitSimdOperator<'a, Output = Fee>> {
        Some(self)
    }

    wp::for_each_visit_operator!(one_per_operation);
}

impl<'a> wp::VisitSimdOperator<'a> for PerOperation {
    wp::for_each_visit_simd_operator!(one_per_operation);
}

/// Why a module could not be instrumented.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    /// The analysis failed (an invalid or unsupported module).
    #[error("finite-wasm analysis: {0}")]
    Analysis(#[from] finite_wasm::Error),
    /// Rewriting the module failed.
    #[error("finite-wasm instrumentation: {0}")]
    Rewrite(#[from] finite_wasm::InstrumentError),
}

/// `wasm` with gas and stack instrumentation calling module `import_module`.
///
/// # Errors
/// [`InstrumentError`] for a module finite-wasm cannot analyse or rewrite.
pub fn instrument(wasm: &[u8], import_module: &str) -> Result<Vec<u8>, InstrumentError> {
    let outcome = finite_wasm::Analysis::new().with_stack(StackSizes).with_gas(PerOperation).analyze(wasm)?;
    Ok(outcome.instrument(import_module, wasm)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instrumented_modules_import_the_gas_and_stack_functions() {
        // (module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add))
        let wasm = [
            0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 65,
            1, 65, 2, 106, 11,
        ];
        let instrumented = instrument(&wasm, "finite").unwrap();
        let imports: Vec<String> = wp::Parser::new(0)
            .parse_all(&instrumented)
            .filter_map(|payload| match payload.unwrap() {
                wp::Payload::ImportSection(reader) => {
                    Some(reader.into_iter().map(|import| import.unwrap().name.to_string()).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        assert!(imports.iter().any(|name| name == "finite_wasm_gas"), "{imports:?}");
        assert!(imports.iter().any(|name| name == "finite_wasm_stack"), "{imports:?}");
        assert!(instrument(b"not wasm", "finite").is_err());
    }
}
