//! The Debian package (README, "Install from the Debian package";
//! `scripts/package`): built from the test binary, its metadata, file list,
//! conffiles and maintainer scripts are checked, then it is extracted into a
//! temporary root and its own init script runs its own binary: start,
//! status, force-reload, stop.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use bwcsta_integration::service::{
    is_live, running_as_root, uid_of, wait_gone, InitScript, KillOnDrop,
};
use bwcsta_integration::support::{free_port, test_config, wait_until, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const T: Duration = Duration::from_secs(10);

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().expect("run");
    assert!(o.status.success(), "{cmd:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Builds the package from the test binary into `out`; its path.
fn build(out: &Path) -> PathBuf {
    let o = Command::new(format!("{ROOT}/scripts/package"))
        .args(["--bin", BIN, "--out"])
        .arg(out)
        .output()
        .expect("scripts/package");
    assert!(o.status.success(), "scripts/package: {}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let last = PathBuf::from(stdout.lines().last().expect("a last line").trim());
    let listing: Vec<_> = std::fs::read_dir(out)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    assert!(
        last.is_file(),
        "{}: not a file; {listing:?}; {}",
        last.display(),
        text(&o)
    );
    last
}

#[test]
fn package_has_the_files_and_scripts_an_operator_needs() {
    if Command::new("dpkg-deb").arg("--version").output().is_err() {
        panic!("dpkg-deb is required (apt-get install dpkg; .ci/run installs it)");
    }
    let dir = TempDir::new("pkg");
    let deb = build(&dir.path().join("out"));
    let arch = run(Command::new("dpkg").arg("--print-architecture"));
    let name = format!("bwcsta_{VERSION}_{}.deb", arch.trim());
    assert_eq!(deb.file_name().unwrap().to_string_lossy(), name);
    assert!(deb.is_file(), "{}", deb.display());

    // Metadata.
    let info = run(Command::new("dpkg-deb").arg("-I").arg(&deb));
    for want in [
        "Package: bwcsta",
        &format!("Version: {VERSION}"),
        &format!("Architecture: {}", arch.trim()),
        "Depends: ",
        "libc6",
        "adduser",
        "postinst",
        "prerm",
        "postrm",
        "conffiles",
    ] {
        assert!(info.contains(want), "dpkg-deb -I lacks {want:?}:\n{info}");
    }

    // Files, modes and owners.
    let list = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    for (mode, path) in [
        ("-rwxr-xr-x root/root", "./usr/bin/bwcsta"),
        ("-rwxr-xr-x root/root", "./etc/init.d/bwcsta"),
        ("-rw-r--r-- root/root", "./etc/default/bwcsta"),
        ("-rw-r--r-- root/root", "./etc/bwcsta/bwcsta.json"),
        ("-rw-r--r-- root/root", "./etc/logrotate.d/bwcsta"),
        ("-rw-r--r-- root/root", "./usr/share/doc/bwcsta/copyright"),
    ] {
        assert!(
            list.lines()
                .any(|l| l.starts_with(mode) && l.ends_with(&format!(" {path}"))),
            "{mode} {path} missing:\n{list}"
        );
    }

    // Control files: conffiles and maintainer scripts.
    let control = dir.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    for f in [
        "/etc/bwcsta/bwcsta.json",
        "/etc/default/bwcsta",
        "/etc/logrotate.d/bwcsta",
        "/etc/init.d/bwcsta",
    ] {
        assert!(conffiles.lines().any(|l| l == f), "{f} not a conffile");
    }
    for script in ["postinst", "prerm", "postrm"] {
        run(Command::new("sh").arg("-n").arg(control.join(script)));
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    for want in [
        "adduser --system",
        "useradd --system",
        "/var/log/bwcsta",
        "/var/run/bwcsta",
        "update-rc.d bwcsta defaults",
        "--check",
    ] {
        assert!(postinst.contains(want), "postinst lacks {want:?}");
    }
    let prerm = std::fs::read_to_string(control.join("prerm")).unwrap();
    assert!(prerm.contains("bwcsta stop"), "prerm stops the daemon");
    let postrm = std::fs::read_to_string(control.join("postrm")).unwrap();
    assert!(postrm.contains("purge") && postrm.contains("/var/log/bwcsta"));

    // The extracted tree.
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let version = run(Command::new(root.join("usr/bin/bwcsta")).arg("--version"));
    assert_eq!(version.trim(), format!("bwcsta {VERSION}"));
    let init = std::fs::read_to_string(root.join("etc/init.d/bwcsta")).unwrap();
    assert!(
        init.contains("BWCSTA_BIN:-/usr/bin/bwcsta"),
        "the packaged init script defaults to the packaged binary"
    );
    let defaults = std::fs::read_to_string(root.join("etc/default/bwcsta")).unwrap();
    assert!(defaults.contains("BWCSTA_USER=bwcsta"), "{defaults}");
    let logrotate = std::fs::read_to_string(root.join("etc/logrotate.d/bwcsta")).unwrap();
    assert!(logrotate.contains("/var/log/bwcsta/*.log {"), "{logrotate}");
    assert!(
        logrotate.contains("/etc/init.d/bwcsta force-reload"),
        "{logrotate}"
    );
    let example: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("etc/bwcsta/bwcsta.json")).unwrap())
            .expect("the example configuration is JSON");
    assert_eq!(example["log"]["file"], "/var/log/bwcsta/bwcsta.log");
    assert_eq!(example["pid_file"], "/var/run/bwcsta/bwcsta.pid");
    assert_eq!(example["status_file"], "/var/run/bwcsta/status.json");
}

#[test]
fn extracted_binary_and_init_script_work_together() {
    let dir = TempDir::new("pkg-run");
    let deb = build(&dir.path().join("out"));
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));

    // A test configuration on 127.0.0.1, files in a directory the daemon's
    // user may write (as root the packaged defaults' user is replaced by
    // nobody: the tests create no system user).
    let work = dir.path().join("run");
    std::fs::create_dir(&work).unwrap();
    let _ = Command::new("chmod").arg("0777").arg(&work).status();
    let port = free_port();
    let cfg = test_config(&work, port, &[format!("http://127.0.0.1:{}", free_port())]);
    let conf = work.join("bwcsta.json");
    std::fs::write(&conf, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
    let user = if running_as_root() { "nobody" } else { "" };
    let s = InitScript::new(
        &root.join("etc/init.d/bwcsta"),
        &root.join("usr/bin/bwcsta"),
        &conf,
        &work.join("bwcsta.pid"),
    )
    .with("BWCSTA_DEFAULTS", root.join("etc/default/bwcsta"))
    .with("BWCSTA_USER", user);

    assert_eq!(s.code("status").0, Some(3));
    let (code, out) = s.code("start");
    assert_eq!(code, Some(0), "{out}");
    let pid = s.pid().expect("pid file");
    let _guard = KillOnDrop(Some(pid));
    assert!(is_live(pid));
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert_eq!(exe, root.join("usr/bin/bwcsta"), "the packaged binary runs");
    if !user.is_empty() {
        let nobody: u32 = run(Command::new("id").args(["-u", "nobody"]))
            .trim()
            .parse()
            .unwrap();
        assert_eq!(uid_of(pid), Some(nobody), "runs as the service user");
    }
    assert!(wait_until(T, || std::net::TcpStream::connect((
        "127.0.0.1",
        port
    ))
    .is_ok()));
    let (code, out) = s.code("status");
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(s.code("force-reload").0, Some(0));
    let (code, out) = s.code("stop");
    assert_eq!(code, Some(0), "{out}");
    assert!(wait_gone(pid, T));
    assert_eq!(s.code("status").0, Some(3));
    let log = std::fs::read_to_string(work.join("bwcsta.log")).unwrap();
    assert!(log.contains("bwcsta stopped"), "{log}");
}
