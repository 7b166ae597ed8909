//! Builds the web UI (`webui/`, TypeScript) into `OUT_DIR/webui` with npm whenever its sources or the
//! protos change, and writes `OUT_DIR/webui_assets.rs`, which embeds that folder into the binary.
//!
//! Without npm the build stops with a message saying what to do. Two settings change what is
//! embedded: `CAIRN_WEBUI_DIST=<dir>` embeds an already built UI (the `dist` of `npm run build` made
//! elsewhere), and `CAIRN_WEBUI=skip` builds a server without the UI, whose `/` says so.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let webui = manifest.join("../../webui");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("webui");
    for watched in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
        "buf.gen.yaml",
        "../proto",
    ] {
        println!("cargo:rerun-if-changed={}", webui.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CAIRN_WEBUI_DIST");
    println!("cargo:rerun-if-env-changed=CAIRN_WEBUI");

    let folder = if let Some(dist) = std::env::var_os("CAIRN_WEBUI_DIST") {
        let dist = PathBuf::from(dist);
        if !dist.join("index.html").is_file() {
            fail(&format!(
                "CAIRN_WEBUI_DIST={} has no index.html: point it at the output of `npm run build` in webui/",
                dist.display()
            ));
        }
        dist
    } else if std::env::var("CAIRN_WEBUI").as_deref() == Ok("skip") {
        write_placeholder(&out);
        out
    } else {
        build_with_npm(&webui, &out);
        out
    };
    let folder = folder.canonicalize().unwrap_or(folder);
    let code = format!(
        "/// The web UI's built files.\n#[derive(rust_embed::RustEmbed)]\n#[folder = {:?}]\npub struct Assets;\n",
        folder.display().to_string()
    );
    let target =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("webui_assets.rs");
    if let Err(e) = std::fs::write(&target, code) {
        fail(&format!("cannot write {}: {e}", target.display()));
    }
}

/// `npm ci` when node_modules is missing or older than the lock file, then `npm run build` into `out`.
fn build_with_npm(webui: &Path, out: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        fail(
            "npm was not found, and the web UI (webui/) is built with it.\n\
             Install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm), or build without it:\n\
             - CAIRN_WEBUI_DIST=/path/to/dist cargo build ...  embeds a UI built elsewhere (`npm ci && npm run build` in webui/ makes webui/dist)\n\
             - CAIRN_WEBUI=skip cargo build ...                builds cairn without the web UI (the API and CLI work as usual)",
        );
    }
    let stamp = webui.join("node_modules/.package-lock.json");
    if modified(&stamp) < modified(&webui.join("package-lock.json")) {
        run(Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(webui));
    }
    run(Command::new(npm)
        .args(["run", "build"])
        .env("CAIRN_WEBUI_OUT", out)
        .current_dir(webui));
}

fn modified(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH)
}

fn run(cmd: &mut Command) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!(
            "building the web UI failed ({s}): {cmd:?}; its output is above"
        )),
        Err(e) => fail(&format!("cannot run {cmd:?}: {e}")),
    }
}

/// The page of a server built with `CAIRN_WEBUI=skip`.
fn write_placeholder(out: &Path) {
    let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>cairn</title></head><body>\
        <div id=\"root\"><h1>cairn</h1><p>This cairn was built without its web UI (CAIRN_WEBUI=skip). \
        The API and the <code>cairn</code> command-line client work as usual; rebuild with Node.js and npm \
        installed to get the UI.</p></div></body></html>";
    if let Err(e) =
        std::fs::create_dir_all(out).and_then(|_| std::fs::write(out.join("index.html"), html))
    {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("\nerror: {message}\n");
    println!(
        "cargo:warning={}",
        message.lines().next().unwrap_or(message)
    );
    std::process::exit(1);
}
