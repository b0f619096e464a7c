"""Every hook a ganzoo plugin can implement, in one module.

A plugin is a module (or object) advertised under the ``ganzoo`` entry-point group, e.g. in
its ``pyproject.toml``::

    [project.entry-points.ganzoo]
    my-gan = "my_package.plugin"

and implements hooks decorated with :data:`hookimpl`. The built-in families are written the
same way and loaded through the same path.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "ganzoo"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorator for a plugin's hook implementations.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def ganzoo_register(registry) -> None:
    """Add this plugin's parts to ganzoo.

    Called once per plugin when the registry is built.

    :param registry: a :class:`ganzoo.registrar.PluginRegistrar` with ``add_generator``,
        ``add_discriminator``, ``add_loss``, ``add_augmentation``, ``add_recipe``,
        ``add_dataset``, ``add_logger`` (an experiment tracker chosen with ``--logger``; see
        :mod:`ganzoo.loggers`) and ``add_pretrained`` (a trained generator loaded by name; see
        :mod:`ganzoo.pretrained`). Each takes the entry, and ``replaces="DIST:NAME"`` to replace the entry
        of another distribution deliberately (recorded and shown by ``ganzoo plugins``; ``override=True``
        still works but is deprecated). A name another distribution registered too is kept under its
        qualified name ``DIST:NAME`` and the clash recorded: it never costs the plugin its other entries. Parts declare what they
        need from the trainer with ``needs=(...)`` (see :data:`ganzoo.protocols.NEEDS`, e.g.
        ``("double_backward",)`` for a gradient penalty); a loss registered with
        ``regularizer=True`` is trained on top of another as ``LOSS+NAME``; ``batch_multiple``,
        ``check_options`` and ``wraps`` let the configuration check refuse a bad batch size or
        option value, and check the part a wrapper builds with ``registry.registry.build_part`` (``registry.registry``
        is a read-only :class:`ganzoo.registry.RegistryView`, which a factory may keep for late lookups). What a plugin adds
        is committed only when its hook returns without raising, so a failing plugin leaves no
        half-registered parts behind.
    """
