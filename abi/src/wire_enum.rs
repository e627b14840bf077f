//! The wire enums' one declaration: codes pinned in the source, with `ALL`, `to_u8` and
//! `from_u8` (a table of 256 built at compile time) generated alike for each.

/// Declares a `#[repr(u8)]` enum whose variants carry their wire codes, with
/// `ALL` (every variant, in declaration order), `to_u8` and `from_u8`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[repr(u8)]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant = $code, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The wire code.
            pub const fn to_u8(self) -> u8 {
                self as u8
            }

            /// The value with wire code `code`, if any.
            #[inline]
            pub const fn from_u8(code: u8) -> Option<$name> {
                const BY_CODE: [Option<$name>; 256] = {
                    let mut table = [None; 256];
                    let mut index = 0;
                    while index < $name::ALL.len() {
                        table[$name::ALL[index] as usize] = Some($name::ALL[index]);
                        index += 1;
                    }
                    table
                };
                BY_CODE[code as usize]
            }
        }
    };
}

pub(crate) use wire_enum;
