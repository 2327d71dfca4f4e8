"""Pacemaker's cluster information base (CIB) as XML: a quorate cluster of
one full member (the controller) and one compute host as a pacemaker-remote
node, whose connection resource the controller runs.

Pacemaker's own ``crm_mon`` reads it from a file when ``CIB_file`` names
one (pacemaker-cli-utils), and computes the cluster's state from it as it
does from a live cluster's: with the connection started the compute node
is online; after its monitor operation failed, it is offline.
"""

import os

_CIB = """\
<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="{epoch}"
     num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="{controller}"/>
    </nodes>
    <resources>
      <primitive id="{compute}" class="ocf" provider="pacemaker"
                 type="remote">
        <instance_attributes id="{compute}-attributes">
          <nvpair id="{compute}-server" name="server" value="192.0.2.9"/>
        </instance_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="{controller}" in_ccm="true" crmd="online"
                join="member" expected="member">
      <lrm id="1">
        <lrm_resources>
          <lrm_resource id="{compute}" class="ocf" provider="pacemaker"
                        type="remote">
{operations}
          </lrm_resource>
        </lrm_resources>
      </lrm>
    </node_state>
    <node_state id="{compute}" uname="{compute}" remote_node="true"
                in_ccm="true"/>
  </status>
</cib>
"""

_OPERATION = """\
            <lrm_rsc_op id="{compute}_{name}" operation_key="{key}"
                        operation="{operation}" interval="{interval}"
                        rc-code="{rc}" op-status="0" call-id="{call}"
                        on_node="{controller}" crm_feature_set="3.16.2"
                        transition-key="{call}:1:0:{zero}"
                        transition-magic="0:{rc};{call}:1:0:{zero}"
                        last-rc-change="{changed}" exec-time="10"
                        queue-time="0" op-digest="{digest}"/>"""


def cib(controller, compute, connection_failed):
    """The CIB with ``compute``'s connection started, and with
    ``connection_failed`` its recurring monitor since failed."""
    common = {'controller': controller, 'compute': compute,
              'zero': '00000000-0000-0000-0000-000000000000',
              'digest': '0' * 32}
    operations = [_OPERATION.format(
        name='last_0', key=f'{compute}_start_0', operation='start',
        interval=0, rc=0, call=1, changed=1700000000, **common)]
    if connection_failed:
        operations.append(_OPERATION.format(
            name='last_failure_0', key=f'{compute}_monitor_30000',
            operation='monitor', interval=30000, rc=1, call=2,
            changed=1700000100, **common))
    return _CIB.format(epoch=2 if connection_failed else 1,
                       operations='\n'.join(operations), **common)


def write(path, controller, compute, connection_failed):
    """Replace the CIB at ``path`` at once, as the cluster does."""
    staging = f'{path}.new'
    with open(staging, 'w') as stream:
        stream.write(cib(controller, compute, connection_failed))
    os.replace(staging, path)
