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

/// What Vite 7 runs on.
const NODE_NEEDED: &str = "Node.js 20.19+ or 22.12+";

/// `npm ci` when node_modules is missing or older than the lock file, then `npm run build` into `out`.
/// Builds of several cargo profiles (or an IDE's) share webui/, so they take turns through a file lock.
fn build_with_npm(webui: &Path, out: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        fail(&format!(
            "npm was not found, and the web UI (webui/) is built with it.\n\
             Install {NODE_NEEDED} with npm (nodejs.org, or your distribution if it is recent enough), or build without it:\n\
             - CAIRN_WEBUI_DIST=/path/to/dist cargo build ...  embeds a UI built elsewhere (`npm ci && npm run build` in webui/ makes webui/dist)\n\
             - CAIRN_WEBUI=skip cargo build ...                builds cairn without the web UI (the API and CLI work as usual)"
        ));
    }
    check_node();
    let lock_path = webui.join(".build.lock");
    let lock = std::fs::File::create(&lock_path)
        .and_then(|f| f.lock().map(|()| f))
        .unwrap_or_else(|e| fail(&format!("cannot lock {}: {e}", lock_path.display())));
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
    drop(lock);
}

/// Stops with a clear message when node is older than Vite needs (its own error is obscure).
fn check_node() {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let parts: Vec<u32> = version
        .trim_start_matches('v')
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    let ok = match parts.as_slice() {
        [20, minor, ..] => *minor >= 19,
        [22, minor, ..] => *minor >= 12,
        [major, ..] => *major >= 23,
        [] => false,
    };
    if !ok {
        fail(&format!(
            "the web UI needs {NODE_NEEDED}; found {}. Install a newer Node.js, or build without it (CAIRN_WEBUI_DIST or CAIRN_WEBUI=skip; see docs/webui.md)",
            if version.is_empty() {
                "no node".to_string()
            } else {
                format!("node {version}")
            }
        ));
    }
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
