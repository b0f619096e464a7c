"""The built-in datasets (MNIST, Fashion-MNIST, Stacked-MNIST, CIFAR-10, image folders), registered through the ``ganzoo`` entry points."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ganzoo.data.cifar import CLASSES as CIFAR_CLASSES
from ganzoo.data.cifar import load_cifar10
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.data.folder import FOLDER
from ganzoo.data.download import RemoteFile, ensure_files
from ganzoo.data.stacked import stacked_mnist_spec
from ganzoo.data.idx import read_idx_images, read_idx_labels
from ganzoo.errors import DataError
from ganzoo.hookspecs import hookimpl

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load_idx_dataset(
    name: str, folder_name: str, base_url: str, md5: dict[str, str], class_names: tuple[str, ...], root: Path, split: str, download: bool
) -> ImageDataset:
    """Load one split of an MNIST-style dataset from ``root/folder_name/raw``."""
    if split not in _IDX_NAMES:
        raise DataError(f"Dataset {name!r} has no split {split!r}; choose one of: {', '.join(_IDX_NAMES)}.")
    folder = Path(root) / folder_name / "raw"
    files = [RemoteFile(f, base_url + f, md5[f]) for f in _IDX_NAMES[split]]
    ensure_files(folder, files, name, download=download)
    images = read_idx_images(folder / files[0].name)
    labels = read_idx_labels(folder / files[1].name)
    return ImageDataset(name, images, labels, num_classes=len(class_names), class_names=class_names)


MNIST = DatasetSpec(
    name="mnist",
    load=partial(load_idx_dataset, "mnist", "MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/", _MNIST_MD5, tuple(str(d) for d in range(10))),
    image_shape=(1, 28, 28),
    num_classes=10,
    description="MNIST handwritten digits (LeCun et al.), 60k train / 10k test, 1x28x28, 10 classes",
    feature_extractor="ganzoo-mnist",
)
FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    load=partial(load_idx_dataset, "fashion-mnist", "FashionMNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", _FASHION_MD5, FASHION_CLASSES),
    image_shape=(1, 28, 28),
    num_classes=10,
    description="Fashion-MNIST clothing (Xiao et al.), 60k train / 10k test, 1x28x28, 10 classes",
    feature_extractor="ganzoo-fashion-mnist",
)


CIFAR10 = DatasetSpec(
    name="cifar10",
    load=load_cifar10,
    image_shape=(3, 32, 32),
    num_classes=len(CIFAR_CLASSES),
    description="CIFAR-10 (Krizhevsky 2009), 50k train / 10k test, 3x32x32, 10 classes; binary version",
)


@hookimpl
def ganzoo_register(registry):
    registry.add_dataset(MNIST)
    registry.add_dataset(FASHION_MNIST)
    registry.add_dataset(stacked_mnist_spec(MNIST))
    registry.add_dataset(CIFAR10)
    registry.add_dataset(FOLDER)
