//! Raw imports; `host.rs` wraps them in safe calls.

macro_rules! extern_block {
    ($( $(#[$doc:meta])* fn $name:ident($($param:ident: $ty:ident),*) $(-> $ret:ident)?; )*) => {
        #[link(wasm_import_module = "evmpc")]
        extern "C" {
            $( $(#[$doc])* pub(crate) fn $name($($param: $ty),*) $(-> $ret)?; )*
        }
    };
}

evmpc_abi::for_each_import!(extern_block);

/// Guest-memory offset of a reference, as the imports take it.
#[inline(always)]
pub(crate) fn ptr<T: ?Sized>(value: &T) -> i32 {
    value as *const T as *const u8 as usize as i32
}

/// Guest-memory offset of a mutable reference.
#[inline(always)]
pub(crate) fn ptr_mut<T: ?Sized>(value: &mut T) -> i32 {
    value as *mut T as *mut u8 as usize as i32
}
