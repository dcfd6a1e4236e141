#!/usr/bin/env python3
"""Makes MNIST-class models the way model developers export them, to test
that daifi-zk compiles real exports unchanged.

Data: scikit-learn's bundled 8x8 digits, upscaled to 28x28 (bilinear) and
scaled to [0, 1]: MNIST-shaped digit images with no download.

  zk-circuits/models/torch_mlp_784.onnx   PyTorch, torch.onnx.export (TorchScript exporter,
                                          opset 17, raw_data initializers): 784-32-10, Softmax
                                          last, exactly as exported (no DAiFi metadata)
  zk-circuits/models/torch_lenet.onnx     PyTorch, the dynamo exporter (opset 18): a LeNet-5-class
                                          CNN: Conv 5x5 - BatchNorm - ReLU6 - MaxPool - Conv 5x5 -
                                          LeakyReLU - AvgPool 3x3 - Flatten - Linear - Dropout -
                                          Linear - LogSoftmax; daifi.input_range "0,1"
  zk-circuits/models/tf_cnn_28.onnx       TensorFlow/Keras channels-last CNN through tf2onnx
                                          (opset 15): the input reshaped to channels-first, Conv,
                                          MaxPool, Conv, MaxPool, Transpose back to channels-last
                                          before Flatten, Dense, Softmax
  zk-circuits/models/mnist_like_test.json 100 held-out images (bytes, hex), labels, and each
                                          model's onnxruntime float output on every image

Run once by hand (torch and tensorflow are large and not needed by CI):
  python3 -m venv /tmp/exportvenv
  /tmp/exportvenv/bin/pip install torch==2.15.0 tensorflow-cpu==2.21.0 tf2onnx==1.17.0 \
      onnx==1.23.2 onnxruntime==1.32.0 onnxscript scikit-learn
  /tmp/exportvenv/bin/python scripts/make_exported_models.py
"""
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import onnx
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = Path(__file__).resolve().parent.parent / "zk-circuits" / "models"
SEED = 0
TEST_IMAGES = 100


def upscale(images8):
    """8x8 images in [0, 16] -> 28x28 in [0, 1], bilinear, rounded to bytes."""
    src = np.linspace(0, 7, 28)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, 7)
    t = src - i0
    x = images8.reshape(-1, 8, 8) / 16.0
    rows = x[:, i0, :] * (1 - t)[None, :, None] + x[:, i1, :] * t[None, :, None]
    out = rows[:, :, i0] * (1 - t)[None, None, :] + rows[:, :, i1] * t[None, None, :]
    return np.round(out * 255).astype(np.uint8)


def data():
    digits = load_digits()
    images = upscale(digits.data)
    return train_test_split(images, digits.target, test_size=0.2, random_state=SEED, stratify=digits.target)


def set_metadata(path, metadata):
    model = onnx.load(path)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, path)


def torch_models(x_train, y_train):
    import torch
    from torch import nn

    torch.manual_seed(SEED)
    x = torch.tensor(x_train, dtype=torch.float32) / 255.0
    y = torch.tensor(y_train)

    def train(model, inputs, epochs):
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        for _ in range(epochs):
            for i in range(0, len(inputs), 64):
                opt.zero_grad()
                out = model(inputs[i:i + 64])
                loss = nn.functional.nll_loss(torch.log(out + 1e-9) if isinstance(model[-1], nn.Softmax)
                                              else out, y[i:i + 64])
                loss.backward()
                opt.step()
        model.eval()
        return model

    mlp = train(nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10), nn.Softmax(dim=1)),
                x.reshape(-1, 1, 28, 28), 15)
    torch.onnx.export(mlp, (torch.zeros(1, 1, 28, 28),), OUT / "torch_mlp_784.onnx", opset_version=17,
                      dynamo=False, input_names=["image"], output_names=["probabilities"])

    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU6(), nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 5), nn.LeakyReLU(0.1), nn.AvgPool2d(3, stride=3, padding=1),
        nn.Flatten(), nn.Linear(12 * 3 * 3, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10), nn.LogSoftmax(dim=1))
    lenet = train(lenet, x.reshape(-1, 1, 28, 28), 8)
    program = torch.onnx.export(lenet, (torch.zeros(1, 1, 28, 28),), dynamo=True, opset_version=18,
                                input_names=["image"], output_names=["log_probabilities"])
    program.save(str(OUT / "torch_lenet.onnx"))
    set_metadata(OUT / "torch_lenet.onnx", {"daifi.input_range": "0,1"})


def tf_model(x_train, y_train):
    import tensorflow as tf
    import tf2onnx

    tf.keras.utils.set_random_seed(SEED)
    x = (x_train / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    train = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        tf.keras.layers.Conv2D(8, 5, activation="relu"),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Conv2D(16, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    train.compile(optimizer=tf.keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    train.fit(x, y_train, epochs=30, batch_size=64, verbose=0)
    spec = (tf.TensorSpec((1, 28, 28, 1), tf.float32, name="image"),)
    # from_keras does not read Keras 3 models; a traced function is what it converts.
    forward = tf.function(lambda image: train(image, training=False), input_signature=spec)
    model_proto, _ = tf2onnx.convert.from_function(forward, input_signature=spec, opset=15)
    onnx.save(model_proto, OUT / "tf_cnn_28.onnx")
    set_metadata(OUT / "tf_cnn_28.onnx", {"daifi.input_range": "0,1"})


def main():
    x_train, x_test, y_train, y_test = data()
    torch_models(x_train, y_train)
    tf_model(x_train, y_train)
    x_test, y_test = x_test[:TEST_IMAGES], y_test[:TEST_IMAGES]
    test = {"images": [bytes(img.reshape(-1)).hex() for img in x_test], "labels": [int(v) for v in y_test],
            "outputs": {}}
    for name, layout in [("torch_mlp_784", (1, 1, 28, 28)), ("torch_lenet", (1, 1, 28, 28)),
                         ("tf_cnn_28", (1, 28, 28, 1))]:
        session = ort.InferenceSession(str(OUT / f"{name}.onnx"))
        feed = session.get_inputs()[0].name
        outs = [session.run(None, {feed: (img / 255.0).astype(np.float32).reshape(layout)})[0].reshape(-1)
                for img in x_test]
        accuracy = np.mean([np.argmax(o) == t for o, t in zip(outs, y_test)])
        print(f"{name}: onnxruntime accuracy {accuracy:.2%}, {(OUT / f'{name}.onnx').stat().st_size} bytes, "
              f"opset {[o.version for o in onnx.load(OUT / f'{name}.onnx').opset_import if o.domain == '']}")
        test["outputs"][name] = [[round(float(v), 6) for v in o] for o in outs]
    (OUT / "mnist_like_test.json").write_text(json.dumps(test, separators=(",", ":")))


if __name__ == "__main__":
    main()
