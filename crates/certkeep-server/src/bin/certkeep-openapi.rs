//! Prints the API's OpenAPI 3.1 document (what `/api/openapi.json` serves), for validators
//! and client generators: `cargo run -p certkeep-server --bin certkeep-openapi > openapi.json`.

fn main() {
    match certkeep_server::openapi::document().to_pretty_json() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("certkeep-openapi: {e}");
            std::process::exit(1);
        }
    }
}
