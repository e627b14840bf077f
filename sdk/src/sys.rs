//! The host functions a node offers in the Wasm module `evmpc`, as `extern` declarations
//! (on `wasm32` only). Each returns a length or `-`[`LinkError`](crate::LinkError);
//! results wait in the node's register for `read_register`. Prefer [`Evmpc`](crate::Evmpc).

macro_rules! declare_imports {
    ($( $(#[$doc:meta])* fn $name:ident($($param:ident: $ty:ty),*) $(-> $ret:ty)?; )*) => {
        #[cfg(target_arch = "wasm32")]
        #[link(wasm_import_module = "evmpc")]
        unsafe extern "C" {
            $( $(#[$doc])* pub fn $name($($param: $ty),*) $(-> $ret)?; )*
        }
    };
}

evmpc_abi::for_each_contract_import!(declare_imports);
