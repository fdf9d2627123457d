"""Investment promotion portal (招商引资): a small Flask core with pluggy plugins."""
import pluggy

__version__ = "0.1.0"

#: Marker for plugin hook implementations: ``from portal import hookimpl``.
hookimpl = pluggy.HookimplMarker("portal")


def create_app(config=None):
    """Build the Flask application; see :mod:`portal.app`."""
    from portal.app import create_app as _create_app

    return _create_app(config)


__all__ = ["__version__", "create_app", "hookimpl"]
