"""OpenStack's usual client options, and the instance-ha service they name.

``--os-cloud`` and clouds.yaml, ``OS_AUTH_URL`` and the other ``OS_*``
variables, or ``--os-auth-type none`` with
``--os-instance-ha-endpoint-override URL``: what every OpenStack client
reads, read here by openstacksdk's config loader and keystoneauth. The
``hahealer segment|host`` commands and ``hahealer-manage import-masakari``
both reach a v1 API (hahealer-api's or Masakari's) this way.
"""

import argparse

import openstack.config
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions

from hahealer import exception

SERVICE_TYPE = 'instance-ha'


def register_options(parser, argv):
    """Add the --os-* options to ``parser``; ``argv`` is peeked at for
    --os-cloud and --os-auth-type, which decide the rest. The cloud they
    name is read from clouds.yaml here: exception.Invalid if it is not
    there."""
    try:
        openstack.config.OpenStackConfig().register_argparse_arguments(
            parser, list(argv), service_keys=[SERVICE_TYPE])
    except openstack.exceptions.ConfigException as exc:
        # e.g. OS_CLOUD names a cloud clouds.yaml does not have
        raise exception.Invalid(reason=f'OpenStack options: {exc}') \
            from None


def option_names(argv):
    """The argparse destinations register_options adds, for a program
    whose parser keeps them among others (oslo.config's sub-commands)."""
    probe = argparse.ArgumentParser(add_help=False)
    register_options(probe, argv)
    return sorted(vars(probe.parse_known_args([])[0]))


def wanted(options):
    """Whether the options (an argparse namespace) name a cloud."""
    return bool(getattr(options, 'os_cloud', None)
                or getattr(options, 'os_auth_url', None)
                or getattr(options, 'os_instance_ha_endpoint_override',
                           None))


def adapter(options):
    """A keystoneauth Adapter to the instance-ha service of the cloud the
    options name; exception.Invalid when they do not add up."""
    try:
        region = openstack.config.OpenStackConfig().get_one(
            argparse=options)
        return ks_adapter.Adapter(
            region.get_session(), service_type=SERVICE_TYPE,
            interface=region.get_interface(SERVICE_TYPE),
            region_name=region.get_region_name(SERVICE_TYPE),
            endpoint_override=region.get_endpoint(SERVICE_TYPE))
    except (openstack.exceptions.ConfigException,
            ks_exceptions.ClientException) as exc:
        raise exception.Invalid(reason=f'OpenStack options: {exc}') \
            from None
