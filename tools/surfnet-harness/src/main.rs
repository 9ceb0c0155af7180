//! `surfnet-harness <port>`: a real, offline Solana SVM (surfpool) serving JSON-RPC on
//! `127.0.0.1:<port>`, for the API's end-to-end test (api/tests/it/solana_real.rs).
//!
//! Offline: `offline_mode: true, remote_rpc_url: None` (surfpool's defaults would fetch
//! missing accounts from mainnet). Prints `READY http://127.0.0.1:<port>` on stdout once the
//! RPC server is bound, then runs until stdin closes (the parent test dropped the pipe or
//! died) or the process gets SIGTERM/SIGKILL (default disposition: terminate).

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::time::Duration;

use surfpool_core::surfnet::{locker::SurfnetSvmLocker, svm::SurfnetSvm};
use surfpool_types::{BlockProductionMode, RpcConfig, SimnetConfig, SimnetEvent, SurfpoolConfig};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

fn main() {
    let port: u16 = match std::env::args().nth(1).and_then(|p| p.parse().ok()) {
        Some(p) if p != 0 => p,
        _ => {
            eprintln!("usage: surfnet-harness <port>   (binds 127.0.0.1:<port>)");
            std::process::exit(2);
        }
    };

    let config = SurfpoolConfig {
        simnets: vec![SimnetConfig {
            offline_mode: true,
            remote_rpc_url: None,
            block_production_mode: BlockProductionMode::Clock,
            slot_time: 50,
            ..SimnetConfig::default()
        }],
        rpc: RpcConfig {
            bind_host: "127.0.0.1".into(),
            bind_port: port,
            ws_port: free_port(),
            ..RpcConfig::default()
        },
        ..SurfpoolConfig::default()
    };

    let (svm, events_rx, geyser_rx) = match SurfnetSvm::new(Default::default()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("surfnet-harness: cannot create the SVM: {e}");
            std::process::exit(1);
        }
    };
    let (cmd_tx, cmd_rx) = surfpool_types::channel::unbounded();
    let locker = SurfnetSvmLocker::new(svm);
    std::thread::spawn(move || {
        let r = hiro_system_kit::nestable_block_on(
            surfpool_core::runloops::start_local_surfnet_runloop(
                locker, config, cmd_tx, cmd_rx, geyser_rx,
            ),
        );
        if let Err(e) = r {
            eprintln!("surfnet-harness: runloop failed: {e}");
            std::process::exit(1);
        }
        std::process::exit(0);
    });

    // Wait for the RPC server to be bound.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match events_rx.recv_timeout(left) {
            Ok(SimnetEvent::CoreStarted(_)) => break,
            Ok(_) => continue,
            Err(e) => {
                eprintln!("surfnet-harness: no CoreStarted event: {e}");
                std::process::exit(1);
            }
        }
    }
    // Keep draining events so the channel never fills.
    std::thread::spawn(move || while events_rx.recv().is_ok() {});

    println!("READY http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();

    // Run until stdin closes.
    let stdin = std::io::stdin();
    let mut line = String::new();
    while stdin
        .lock()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        line.clear();
    }
    std::process::exit(0);
}
