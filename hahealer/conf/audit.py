"""What the configuration files say that hahealer would not read or use.

``config validate`` and the engine's start-up checks report: sections and
options hahealer does not know (with the nearest known name, and what to
write instead of Masakari's names), a [nova] section that cannot
authenticate (audit), and values out of range in plain words
(bad_values).
"""

import dataclasses
import difflib

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from stevedore import named

from hahealer.conf import masakari

# The option namespaces of etc/oslo-config-generator/hahealer.conf.
NAMESPACES = ('hahealer.conf', 'oslo.messaging', 'oslo.log',
              'oslo.service.service', 'keystonemiddleware.auth_token',
              'oslo.policy')


@dataclasses.dataclass
class Findings:
    errors: list
    warnings: list


def _group_name(group):
    if group is None:
        return 'DEFAULT'
    return group if isinstance(group, str) else group.name


def known_options(conf):
    """{section: {option names}} that hahealer and its libraries read."""
    known = {}

    def add(group, opts):
        names = known.setdefault(_group_name(group), set())
        for opt in opts:
            names.add(opt.dest)
            names.add(opt.name)
            names.add(opt.name.replace('-', '_'))

    manager = named.NamedExtensionManager(
        'oslo.config.opts', names=NAMESPACES, invoke_on_load=True)
    for extension in manager:
        for group, opts in extension.obj:
            add(group, opts)
    for section, names in _registered(conf):
        known.setdefault(section, set()).update(names)
    auth_type = _safe(lambda: conf.nova.auth_type)
    if auth_type:
        try:
            add('nova', ks_loading.get_auth_plugin_conf_options(auth_type))
        except Exception:  # noqa: BLE001 - an unknown plugin is a finding
            pass
    return known


def _safe(read):
    try:
        return read()
    except (ValueError, cfg.Error):
        return None


def _parse(path):
    sections = {}
    cfg.ConfigParser(path, sections).parse()
    return sections


def _unknown(sections, known, path, findings):
    for section, options in sections.items():
        if section not in known:
            theirs = masakari.explain_section(section)
            hint = f'; {theirs}' if theirs else _nearest(
                section, known, 'section', f'[{section}]')
            findings.warnings.append(f'{path}: unknown section [{section}]'
                                     f'{hint}')
            continue
        for option in options:
            if option in known[section]:
                continue
            hint = masakari.explain(section, option)
            if hint:
                findings.warnings.append(f'{path}: {hint}')
            else:
                findings.warnings.append(
                    f'{path}: unknown option {option} in [{section}]'
                    f'{_nearest(option, known[section], "option", option)}')


def _nearest(name, candidates, kind, shown):
    close = difflib.get_close_matches(name, sorted(candidates), n=1,
                                      cutoff=0.8)
    if close:
        wanted = f'[{close[0]}]' if kind == 'section' else close[0]
        return f' (did you mean {wanted}?); it is not read'
    return f'; {shown} is not read by hahealer'


def _registered(conf):
    """(section, option names) of every option registered on ``conf``."""
    defaults = []
    for key in conf:
        if _is_group(conf, key):
            yield key, list(conf[key])
        else:
            defaults.append(key)
    yield 'DEFAULT', defaults


def _is_group(conf, key):
    try:
        return isinstance(conf[key], cfg.ConfigOpts.GroupAttr)
    except (ValueError, cfg.Error):
        return False


def bad_values(conf):
    """Each option whose value cannot be used, in plain words."""
    errors = []
    for section, names in _registered(conf):
        values = conf if section == 'DEFAULT' else conf[section]
        for name in names:
            try:
                values[name]
            except (ValueError, cfg.Error) as exc:
                reason = str(exc).rpartition(' is not valid: ')[2].rstrip(
                    '.')
                errors.append(
                    f'[{section}] {name}: the value given is not valid: '
                    f'{reason[:1].lower()}{reason[1:]}')
    return errors


def _nova(conf, findings):
    if _safe(lambda: conf.nova.auth_type) is None:
        findings.errors.append(
            '[nova] auth_type is not set, so hahealer cannot authenticate '
            'to Nova and every recovery would fail. Set auth_type = '
            'password with auth_url, username, password, project_name, '
            'user_domain_name and project_domain_name (or auth_type = none '
            'with endpoint_override, in a lab)')


def audit(conf):
    """Findings about ``conf`` and the files it was read from."""
    findings = Findings(errors=[], warnings=[])
    known = known_options(conf)
    for path in conf.config_file or []:
        try:
            sections = _parse(path)
        except (OSError, cfg.Error) as exc:
            findings.errors.append(f'{path}: {exc}')
            continue
        _unknown(sections, known, path, findings)
    _nova(conf, findings)
    return findings
