//! The settings layer of a tenant build (`lever-namely build-tenant`).
//!
//! This component exports `wasi:config/store` to the plugin and imports the
//! host's `wasi:config/store`. A key sealed into the build is answered from
//! the build, whatever the host says; any other key (the secrets, which are
//! never sealed) is asked of the host. Composed in front of the plugin, it
//! gives one file per tenant that stock hosts run with only the secrets set.
//!
//! The sealed settings are a JSON object of strings in [`SEALED`], a fixed-size
//! block that `build-tenant` fills in the built component: it finds
//! [`MAGIC`], checks the capacity that follows it, and writes the length and
//! the JSON in place. Writing in place keeps every offset of the module, so
//! the template is compiled once, here, and never per tenant.

#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        inline: r#"
            package lever-namely:sealed-settings;

            world sealed-settings {
                import wasi:config/store@0.2.0-rc.1;
                export wasi:config/store@0.2.0-rc.1;
            }
        "#,
        path: "../../wit/deps/config",
        generate_all,
    });
}

pub mod layout;

pub use layout::{seal, unseal, Block, SealError, CAPACITY, MAGIC};

// The component itself; natively, only the layout is built (for build-tenant).
#[cfg(target_arch = "wasm32")]
mod component;

