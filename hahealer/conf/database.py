"""[database] options: where notifications, segments and hosts are stored."""

from oslo_config import cfg

GROUP = 'database'

database_opts = [
    cfg.StrOpt(
        'connection',
        default='sqlite:///$state_path/hahealer.sqlite',
        secret=True,
        help="""
SQLAlchemy URL of hahealer's database. A SQLite file by default; PostgreSQL
and MariaDB/MySQL for several engines on several machines.

Examples:
  connection = postgresql+psycopg2://hahealer:PASSWORD@db/hahealer
  connection = mysql+pymysql://hahealer:PASSWORD@db/hahealer
"""),
    cfg.IntOpt(
        'pool_size',
        default=10,
        min=1,
        help="Connections kept open per engine (not used with SQLite)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(database_opts, group=GROUP)


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: database_opts}
