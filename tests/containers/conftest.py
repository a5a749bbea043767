from tests.containers.fixtures import base_image, competitor_image, container_gateway  # noqa: F401
