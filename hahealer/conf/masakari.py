"""Masakari's option names, and what hahealer reads instead.

An operator copying masakari.conf keeps the sections hahealer shares with
Masakari ([taskflow_driver_recovery_flows], [host_failure], ...). The
options below are Masakari's own: ``config validate`` names each one found
and what to write instead. docs/operators.md prints this table.
"""

#: (section, Masakari's option) -> (hahealer's section, option) or None
#: when hahealer has no such option, with what to know.
OPTIONS = {
    ('DEFAULT', 'os_privileged_user_name'): (('nova', 'username'), ''),
    ('DEFAULT', 'os_privileged_user_password'): (('nova', 'password'), ''),
    ('DEFAULT', 'os_privileged_user_tenant'): (('nova', 'project_name'), ''),
    ('DEFAULT', 'os_privileged_user_auth_url'): (('nova', 'auth_url'),
                                                 'with auth_type = password'),
    ('DEFAULT', 'os_user_domain_name'): (('nova', 'user_domain_name'), ''),
    ('DEFAULT', 'os_project_domain_name'): (('nova', 'project_domain_name'),
                                            ''),
    ('DEFAULT', 'os_region_name'): (('nova', 'region_name'), ''),
    ('DEFAULT', 'nova_catalog_admin_info'): (
        ('nova', 'interface'),
        'Nova is found in the service catalog; endpoint_override names it '
        'directly'),
    ('DEFAULT', 'nova_api_insecure'): (('nova', 'insecure'), ''),
    ('DEFAULT', 'nova_ca_certificates_file'): (('nova', 'cafile'), ''),
    ('DEFAULT', 'masakari_topic'): (('DEFAULT', 'engine_topic'),
                                    'the monitors must use the same topic'),
    ('DEFAULT', 'masakari_api_listen'): (None, "Masakari's API service"),
    ('DEFAULT', 'masakari_api_listen_port'): (None, "Masakari's API service"),
    ('DEFAULT', 'masakari_api_workers'): (None, "Masakari's API service"),
    ('DEFAULT', 'api_paste_config'): (None, "Masakari's API service"),
    ('DEFAULT', 'auth_strategy'): (None, "Masakari's API service"),
    ('DEFAULT', 'osapi_max_limit'): (None, "Masakari's API service"),
    ('DEFAULT', 'use_ssl'): (None, "Masakari's API service"),
    ('DEFAULT', 'os_privileged_user_region'): (('nova', 'region_name'), ''),
}

#: whole sections of masakari.conf that hahealer's engine does not read
SECTIONS = {
    'wsgi': "Masakari's API service",
    'oslo_middleware': "Masakari's API service",
    'api_database': "Masakari's API service",
    'osapi_v1': "Masakari's API service",
}


def explain(section, option):
    """What to write instead of Masakari's ``option``, or None."""
    if (section, option) not in OPTIONS:
        return None
    target, note = OPTIONS[(section, option)]
    where = f'{option} in [{section}] is a Masakari option'
    note = f' ({note})' if note else ''
    if target is None:
        return f'{where} that hahealer has no equivalent for{note}'
    return f'{where}; hahealer reads {target[1]} in [{target[0]}]{note}'


def explain_section(section):
    if section not in SECTIONS:
        return None
    return (f'section [{section}] is for {SECTIONS[section]}; hahealer\'s '
            f'engine does not read it')
