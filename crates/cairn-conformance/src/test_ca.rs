//! A private CA for tests that need TLS: a CA, a certificate for 127.0.0.1 it signed and a client
//! certificate, made by `openssl` (Debian's) in a folder of the test's. Used by the embedded engine's
//! HTTPS backends and by the fleet's HTTPS hub.
use std::path::Path;

/// A private CA (`ca.pem`), a certificate for 127.0.0.1 it signed (`server.pem`, `server.key`) and a
/// client certificate with its key in one file (`client-bundle.pem`), made by openssl in `dir`.
pub fn certificates(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &key,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=cairn test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    ]
    .concat());
    let uses = [
        (
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ];
    for (name, ext) in uses {
        let (k, csr, pem, extfile) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        std::fs::write(dir.join(&extfile), ext).unwrap();
        run(&[
            &["req"][..],
            &key,
            &["-keyout", &k, "-out", &csr, "-subj", &format!("/CN={name}")],
        ]
        .concat());
        run(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            &extfile,
        ]);
    }
    let bundle = [
        std::fs::read(dir.join("client.pem")).unwrap(),
        std::fs::read(dir.join("client.key")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("client-bundle.pem"), bundle).unwrap();
}
