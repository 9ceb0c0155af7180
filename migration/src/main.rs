//! `migration up | down [N] | status | fresh`, against `DATABASE_URL`.

use std::process::ExitCode;

use migration::{
    ensure_sqlite_dir, sea_orm::Database, Migrator, MigratorTrait, DEFAULT_DATABASE_URL,
};

const USAGE: &str = "usage: migration <up | down [N] | status | fresh>
  up        apply all pending migrations
  down [N]  roll back the last N applied migrations (default 1)
  status    list migrations as Applied or Pending
  fresh     drop every table, then apply all migrations
DATABASE_URL (or .env) selects the database; default: sqlite://./data/butler.db?mode=rwc";

enum Command {
    Up,
    Down(u32),
    Status,
    Fresh,
}

fn parse(args: &[String]) -> Result<Command, String> {
    match args {
        [cmd] if cmd == "up" => Ok(Command::Up),
        [cmd] if cmd == "status" => Ok(Command::Status),
        [cmd] if cmd == "fresh" => Ok(Command::Fresh),
        [cmd] if cmd == "down" => Ok(Command::Down(1)),
        [cmd, n] if cmd == "down" => match n.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Command::Down(n)),
            _ => Err(format!("down: N must be a positive integer, got {n:?}")),
        },
        _ => Err("unknown or missing command".to_owned()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(
        args.first().map(String::as_str),
        Some("-h" | "--help" | "help")
    ) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let _ = dotenvy::dotenv();
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    ensure_sqlite_dir(&url).map_err(|e| format!("cannot create the SQLite directory: {e}"))?;
    let db = Database::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;

    match command {
        Command::Up => {
            let pending = Migrator::get_pending_migrations(&db)
                .await
                .map_err(|e| e.to_string())?;
            Migrator::up(&db, None)
                .await
                .map_err(|e| format!("migration failed: {e}"))?;
            if pending.is_empty() {
                println!("No pending migrations");
            }
            for m in pending {
                println!("Applied {}", m.name());
            }
        }
        Command::Down(n) => {
            let applied = Migrator::get_applied_migrations(&db)
                .await
                .map_err(|e| e.to_string())?;
            Migrator::down(&db, Some(n))
                .await
                .map_err(|e| format!("rollback failed: {e}"))?;
            if applied.is_empty() {
                println!("No applied migrations");
            }
            for m in applied.iter().rev().take(n as usize) {
                println!("Rolled back {}", m.name());
            }
        }
        Command::Status => {
            let all = Migrator::get_migration_with_status(&db)
                .await
                .map_err(|e| e.to_string())?;
            for m in all {
                println!("{:<8} {}", m.status().to_string(), m.name());
            }
        }
        Command::Fresh => {
            Migrator::fresh(&db)
                .await
                .map_err(|e| format!("fresh failed: {e}"))?;
            println!("Dropped all tables and applied all migrations");
        }
    }
    db.close().await.map_err(|e| e.to_string())
}
