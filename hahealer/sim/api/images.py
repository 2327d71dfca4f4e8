"""/images: Nova's image proxy, which ends at microversion 2.35."""

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common


def _check_image_proxy(req):
    # Later microversions act as if the proxy were absent.
    if req.at_least('2.36'):
        raise errors.NotFound('The resource could not be found.')


class Images(common.Resource):
    def routes(self):
        return [('GET', '/images', self._list),
                ('GET', '/images/detail', self._list_detail),
                ('GET', '/images/{image_id}', self._show)]

    def _images(self, req, detail):
        _check_image_proxy(req)
        images = list(self._cloud.images.values())
        return wire.Response(200, {'images': [
            views.image(req, i, detail) for i in images]})

    def _list(self, req):
        return self._images(req, detail=False)

    def _list_detail(self, req):
        return self._images(req, detail=True)

    def _show(self, req, image_id):
        _check_image_proxy(req)
        image = self._cloud.images.get(image_id)
        if image is None:
            raise errors.NotFound('Image not found.')
        return wire.Response(200, {'image': views.image(req, image, True)})
