//! The init script (README, "The init script and the `bwcsta` user") against
//! the real binary: the daemon it starts outlives the process group that ran
//! it (a supervisor's SIGKILL to the group), reloads and stops; a stale,
//! foreign or zombie pid is never "running"; a failed start says so; as root
//! the daemon drops to the service user.

use std::net::TcpStream;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use bwcsta_integration::service::{
    fd_target, is_live, kill, proc_stat, running_as_root, uid_of, wait_gone, InitScript, KillOnDrop,
};
use bwcsta_integration::support::{free_port, test_config, wait_until, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/bwcsta.init");
const T: Duration = Duration::from_secs(10);

/// A config in `dir` against an XSP nobody listens on (the links stay
/// down, which does not matter here); returns its path and the CSTA port.
fn config(dir: &Path) -> (PathBuf, u16) {
    let port = free_port();
    let xsp = vec![format!("http://127.0.0.1:{}", free_port())];
    let cfg = test_config(dir, port, &xsp);
    let path = dir.join("bwcsta.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
    (path, port)
}

/// As [`script`], on a configuration `<name>.json` whose pid file is
/// `pid_file`.
fn script_with_pid_file(dir: &Path, name: &str, pid_file: &Path) -> InitScript {
    let (conf, _) = config(dir);
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&conf).unwrap()).unwrap();
    cfg["pid_file"] = serde_json::json!(pid_file);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
    let (script, bin) = installed(dir);
    InitScript::new(&script, &bin, &path, pid_file)
}

fn script(dir: &Path) -> (InitScript, u16) {
    let (conf, port) = config(dir);
    let (script, bin) = installed(dir);
    let s = InitScript::new(&script, &bin, &conf, &dir.join("bwcsta.pid"));
    (s, port)
}

/// The init script and the binary copied into `dir/bin` (mode 0755), as a
/// package installs them: the service user must be able to run them, and
/// the build tree may sit below a directory only root can enter (a CI
/// checkout in root's home, a `mktemp -d` copy of the tree).
fn installed(dir: &Path) -> (PathBuf, PathBuf) {
    let bin_dir = dir.join("bin");
    let script = bin_dir.join("bwcsta.init");
    let bin = bin_dir.join("bwcsta");
    if !bin.exists() {
        std::fs::create_dir_all(&bin_dir).unwrap();
        for (from, to) in [(SCRIPT, &script), (BIN, &bin)] {
            std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {from}: {e}"));
            std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(&bin_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, bin)
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_millis(500),
    )
    .is_ok()
}

#[test]
fn daemon_outlives_the_process_group_that_started_it_then_reloads_and_stops() {
    let dir = TempDir::new("init-group");
    let (s, port) = script(dir.path());
    assert_eq!(s.code("status").0, Some(3), "stopped before start");

    // A supervisor-like caller: its own process group, which runs the
    // script and lingers; then the whole group is killed.
    let mut caller = Command::new("sh")
        .arg("-c")
        .arg("sh \"$0\" start; exec sleep 60")
        .arg(SCRIPT)
        .envs(s.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("caller");
    let group = caller.id();
    assert!(
        wait_until(T, || s.code("status").0 == Some(0)),
        "not running: {}",
        s.code("status").1
    );
    let pid = s.pid().expect("pid file");
    let _guard = KillOnDrop(Some(pid));
    let log = || std::fs::read_to_string(dir.path().join("bwcsta.log")).unwrap_or_default();
    assert!(
        wait_until(T, || listening(port)),
        "not listening: {}",
        log()
    );
    let stat = proc_stat(pid).expect("daemon in /proc");
    assert_eq!(stat.session, pid, "own session: {stat:?}");
    assert_eq!(stat.pgrp, pid, "own process group: {stat:?}");
    assert_ne!(stat.pgrp, group);
    assert_eq!(
        fd_target(pid, 0).as_deref(),
        Some(Path::new("/dev/null")),
        "stdin from /dev/null"
    );

    assert!(kill("KILL", -i64::from(group)), "kill the caller's group");
    let _ = caller.wait();
    assert!(listening(port), "CSTA port no longer served: {}", log());
    assert!(is_live(pid), "daemon survived its caller's group");
    let (code, text) = s.code("status");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&pid.to_string()), "{text}");

    // force-reload → SIGHUP → the log file is reopened.
    let log = dir.path().join("bwcsta.log");
    std::fs::rename(&log, dir.path().join("bwcsta.log.rotated")).unwrap();
    assert_eq!(s.code("force-reload").0, Some(0));
    let _ = TcpStream::connect(format!("127.0.0.1:{port}")); // something to log
    assert!(
        wait_until(T, || std::fs::read_to_string(&log)
            .is_ok_and(|t| t.contains("reopened after SIGHUP"))),
        "log not reopened"
    );
    assert!(is_live(pid), "SIGHUP does not stop the daemon");

    let (code, text) = s.code("stop");
    assert_eq!(code, Some(0), "{text}");
    assert!(wait_gone(pid, T), "daemon gone after stop");
    assert!(!s.pid_file.exists(), "pid file removed");
    assert_eq!(s.code("status").0, Some(3));
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("bwcsta stopped"));
    assert_eq!(s.code("bogus").0, Some(2));
}

#[test]
fn stale_foreign_and_zombie_pids_are_not_running() {
    let dir = TempDir::new("init-stale");
    let (s, port) = script(dir.path());

    // A dead pid: above the kernel's largest, so never reused by another
    // process (a pid of an exited process can be, on a busy host).
    let dead = 4_194_305;
    std::fs::write(&s.pid_file, format!("{dead}\n")).unwrap();
    let (code, text) = s.code("status");
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("stale"), "{text}");
    assert_eq!(s.code("force-reload").0, Some(7), "nothing to reload");
    // What else the file holds is never shown (it may be a link the
    // service user planted to any file root can read).
    std::fs::write(&s.pid_file, format!("{dead} root:$6$hash\n")).unwrap();
    let (code, text) = s.code("status");
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(&format!("pid {dead}6 ")), "{text}");
    assert!(!text.contains("root:"), "{text}");
    let (code, text) = s.code("stop");
    assert_eq!(code, Some(0), "{text}");
    assert!(!s.pid_file.exists(), "stop cleans a stale pid file: {text}");

    // A foreign live process: never signalled, never "running".
    let mut foreign = Command::new("sleep").arg("60").spawn().unwrap();
    let fpid = foreign.id();
    std::fs::write(&s.pid_file, format!("{fpid}\n")).unwrap();
    assert_eq!(s.code("status").0, Some(3));
    assert_eq!(s.code("force-reload").0, Some(7));
    assert_eq!(s.code("stop").0, Some(0));
    assert!(is_live(fpid), "the foreign process was not signalled");
    std::fs::write(&s.pid_file, format!("{fpid}\n")).unwrap();
    let (code, text) = s.code("start");
    assert_eq!(code, Some(0), "start over a foreign pid file: {text}");
    let pid = s.pid().expect("daemon pid");
    let guard = KillOnDrop(Some(pid));
    assert_ne!(pid, fpid);
    assert_eq!(s.code("status").0, Some(0));
    assert_eq!(s.code("stop").0, Some(0));
    assert!(wait_gone(pid, T));
    assert!(is_live(fpid), "stop left the foreign process alone");
    drop(guard);
    let _ = foreign.kill();
    let _ = foreign.wait();

    // A bwcsta killed with SIGKILL and not yet reaped by its parent (this
    // test): a zombie whose pid file is still there.
    let mut direct = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("bwcsta.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let zpid = direct.id();
    assert!(wait_until(T, || s.pid() == Some(zpid) && listening(port)));
    assert_eq!(s.code("status").0, Some(0), "a live daemon is running");
    let other = s
        .clone()
        .with("BWCSTA_CONFIG", dir.path().join("other.json"));
    std::fs::copy(
        dir.path().join("bwcsta.json"),
        dir.path().join("other.json"),
    )
    .unwrap();
    assert_eq!(
        other.code("status").0,
        Some(3),
        "a bwcsta on another configuration is not this service"
    );
    assert!(kill("KILL", i64::from(zpid)));
    assert!(wait_until(T, || proc_stat(zpid).is_some_and(|p| p.state == 'Z')));
    assert!(s.pid_file.exists(), "SIGKILL leaves the pid file behind");
    let (code, text) = s.code("status");
    assert_eq!(code, Some(3), "a zombie is not running: {text}");
    let (code, text) = s.code("start");
    assert_eq!(code, Some(0), "start after a crash: {text}");
    let pid = s.pid().expect("new pid");
    let _guard = KillOnDrop(Some(pid));
    assert_ne!(pid, zpid);
    assert_eq!(s.code("restart").0, Some(0));
    let restarted = s.pid().expect("pid after restart");
    let _guard2 = KillOnDrop(Some(restarted));
    assert_ne!(restarted, pid);
    assert_eq!(s.code("stop").0, Some(0));
    assert!(wait_gone(restarted, T));
    let _ = direct.wait();
}

#[test]
fn failed_start_is_reported() {
    let dir = TempDir::new("init-fail");
    let (s, port) = script(dir.path());
    // The CSTA port is taken: the daemon exits 1 after its checks passed.
    let blocker = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (code, text) = s.code("start");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("failed to start"), "{text}");
    assert!(
        text.contains(&port.to_string()),
        "stderr tail shown: {text}"
    );
    assert_eq!(s.code("status").0, Some(3));
    drop(blocker);

    // A bad configuration: LSB 6, with the problem.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"xsi\": {}}").unwrap();
    let s = s.with("BWCSTA_CONFIG", &bad);
    let (code, text) = s.code("start");
    assert_eq!(code, Some(6), "{text}");
    assert!(text.contains("xsi.servers"), "{text}");
    // No binary: LSB 5.
    let s = s.with("BWCSTA_BIN", "/nonexistent/bwcsta");
    assert_eq!(s.code("start").0, Some(5));
}

#[test]
fn as_root_the_daemon_runs_as_the_service_user() {
    if !running_as_root() {
        eprintln!("skipped: needs root to switch users");
        return;
    }
    let dir = TempDir::new("init-user");
    // The daemon (as nobody) writes its log, status and pid files here.
    let _ = Command::new("chmod").arg("0777").arg(dir.path()).status();
    let (s, _) = script(dir.path());
    let s = s.with("BWCSTA_USER", "nobody");
    let (code, text) = s.code("start");
    assert_eq!(code, Some(0), "{text}");
    let pid = s.pid().expect("pid");
    let _guard = KillOnDrop(Some(pid));
    let nobody = id_of("-u", "nobody");
    assert_eq!(uid_of(pid), Some(nobody), "daemon runs as nobody");
    assert_eq!(
        owner(dir.path()),
        0,
        "the pid file's existing directory is not given to the service user"
    );
    assert_eq!(s.code("status").0, Some(0));
    assert_eq!(s.code("force-reload").0, Some(0));
    assert_eq!(s.code("stop").0, Some(0));
    assert!(wait_gone(pid, T));

    // A service user that does not exist: refused, LSB 6.
    let s = s.with("BWCSTA_USER", "bwcsta-no-such-user");
    let (code, text) = s.code("start");
    assert_eq!(code, Some(6), "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

/// `id FLAG NAME` (`-u` uid, `-g` gid).
fn id_of(flag: &str, name: &str) -> u32 {
    let out = Command::new("id").args([flag, name]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn owner(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().uid()
}

#[test]
fn as_root_nothing_in_the_service_users_directory_is_trusted() {
    if !running_as_root() {
        eprintln!("skipped: needs root to switch users");
        return;
    }
    let dir = TempDir::new("init-trust");
    // The daemon (as nobody) writes its log and status file here.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let nobody = id_of("-u", "nobody");

    // The pid file in an existing directory of root's that nobody cannot
    // write (as "/run/bwcsta.pid" in /run): refused, never chowned.
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    let in_shared = script_with_pid_file(dir.path(), "shared", &shared.join("bwcsta.pid"))
        .with("BWCSTA_USER", "nobody");
    let (code, text) = in_shared.code("start");
    assert_eq!(code, Some(6), "{text}");
    assert!(text.contains("cannot write"), "{text}");
    assert_eq!(owner(&shared), 0, "an existing directory keeps its owner");

    // A run directory the script makes is the service user's; one left
    // from an earlier start holds a link planted by a compromised daemon
    // where the daemon's stderr goes. Root must neither truncate nor chown
    // what it points to.
    let run = dir.path().join("run").join("bwcsta");
    let in_run = script_with_pid_file(dir.path(), "run", &run.join("bwcsta.pid"))
        .with("BWCSTA_USER", "nobody");
    let (code, text) = in_run.code("start");
    assert_eq!(code, Some(0), "{text}");
    let pid = in_run.pid().expect("pid");
    let guard = KillOnDrop(Some(pid));
    assert_eq!(owner(&run), nobody, "the new run directory is the user's");
    assert_eq!(owner(&dir.path().join("run")), 0, "its parent stays root's");
    assert_eq!(in_run.code("stop").0, Some(0));
    assert!(wait_gone(pid, T));
    drop(guard);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let errfile = run.join("bwcsta.stderr");
    let _ = std::fs::remove_file(&errfile);
    symlink(&victim, &errfile).unwrap();
    let (code, text) = in_run.code("start");
    assert_eq!(code, Some(0), "{text}");
    let pid = in_run.pid().expect("pid");
    let _guard = KillOnDrop(Some(pid));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(owner(&victim), 0, "the link's target keeps its owner");
    // The daemon's stderr: not the victim (nobody cannot open it).
    assert_ne!(fd_target(pid, 2).as_deref(), Some(victim.as_path()));

    // stop by a user who may not signal the daemon (root's, started
    // directly): said at once, exit 1, and the pid file stays.
    assert_eq!(in_run.code("stop").0, Some(0));
    assert!(wait_gone(pid, T));
    let (s, _) = script(dir.path());
    let (code, text) = s.code("start");
    assert_eq!(code, Some(0), "root's daemon: {text}");
    let pid = s.pid().expect("pid");
    let _guard = KillOnDrop(Some(pid));
    let out = s
        .command("stop")
        .uid(nobody)
        .gid(id_of("-g", "nobody"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot send SIGTERM"), "{text}");
    assert!(!text.contains("SIGKILL"), "no wait for the timeout: {text}");
    assert!(is_live(pid), "{text}");
    assert_eq!(s.pid(), Some(pid), "the pid file stays: {text}");
    assert_eq!(s.code("stop").0, Some(0));
    assert!(wait_gone(pid, T));
}
