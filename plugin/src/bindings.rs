//! Bindings generated from `wit/` by wit-bindgen. On native targets the
//! imports are never called (they would be unreachable); only the types are
//! used there.
#![allow(missing_docs, clippy::all)]

wit_bindgen::generate!({
    path: "../wit",
    world: "lever-namely:plugin/plugin",
    additional_derives: [PartialEq],
    additional_derives_ignore: ["stream-error"],
    pub_export_macro: true,
    generate_all,
});
