#!/usr/bin/env python3
"""Makes DAiFi's reference ONNX models from scikit-learn's bundled 8x8 digits
(no download) and the held-out test set the Rust tests check them on.

  zk-circuits/models/mlp_64_32_10.onnx    Gemm-Relu-Gemm, 64-32-10
  zk-circuits/models/mlp_64_128_10.onnx   Gemm-Relu-Gemm, 64-128-10
  zk-circuits/models/cnn_digits.onnx      Conv(4x3x3, pad 1)-Relu-AveragePool(2x2)
                                          -Flatten-Gemm(64-10)
  zk-circuits/models/ops_zoo.onnx         untrained (seeded random weights): Conv(stride 2)
                                          -MaxPool-Tanh-Reshape-MatMul-Add-Sigmoid-Sub
                                          -Gemm(transB): the operators the three above do not use
  zk-circuits/models/digits_test.json     the test images (pixels / 16) and labels
  zk-circuits/models/calibration_head.onnx  Gemm(10-10, identity / 1.5)-Softmax: turns a
                                          digits model's ten scores into probabilities
                                          (temperature scaling); the second step of a
                                          two-task workflow (a Compute NFT's output as input)

Inputs are the pixels divided by 16, so in [0, 1]; each model declares this
range in its metadata (`daifi.input_range`). The CNN's convolution filters are
fixed (four edge and blob detectors) and its classifier is trained on their
pooled responses by logistic regression: a real convolutional network, small
enough to train without a deep-learning framework.

Run: scripts/make_reference_models.sh (creates a virtual environment);
`make_reference_models.py calibration_head` writes only that model.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

OUT = Path(__file__).resolve().parent.parent / "zk-circuits" / "models"
SEED = 0


def save(graph, name, metadata):
    model = helper.make_model(graph, producer_name="daifi-reference-models",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, OUT / f"{name}.onnx")


def mlp(hidden, x_train, y_train):
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", max_iter=600,
                        alpha=1e-3, random_state=SEED)
    clf.fit(x_train, y_train)
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    inits = [numpy_helper.from_array(a.astype(np.float32), n)
             for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]]
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="dense_1"),
        helper.make_node("Relu", ["h"], ["h_relu"], name="relu_1"),
        helper.make_node("Gemm", ["h_relu", "w2", "b2"], ["logits"], name="dense_2"),
    ]
    graph = helper.make_graph(
        nodes, f"mlp_64_{hidden}_10",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    return clf, graph


FILTERS = np.array([
    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],     # horizontal edge
    [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],     # vertical edge
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]],        # blob
    [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],      # diagonal
], dtype=np.float32).reshape(4, 1, 3, 3) / 3.0


def conv_features(x):
    """Conv(pad 1) -> Relu -> AveragePool 2x2 -> Flatten, in numpy (NCHW)."""
    images = x.reshape(-1, 8, 8)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((len(x), 4, 8, 8), dtype=np.float32)
    for f in range(4):
        for dy in range(3):
            for dx in range(3):
                out[:, f] += FILTERS[f, 0, dy, dx] * padded[:, dy:dy + 8, dx:dx + 8]
    out = np.maximum(out, 0)
    pooled = out.reshape(len(x), 4, 4, 2, 4, 2).mean(axis=(3, 5))
    return pooled.reshape(len(x), 64)


def cnn(x_train, y_train):
    clf = LogisticRegression(max_iter=3000, C=1.0, random_state=SEED)
    clf.fit(conv_features(x_train), y_train)
    inits = [
        numpy_helper.from_array(FILTERS, "conv_w"),
        numpy_helper.from_array(np.zeros(4, dtype=np.float32), "conv_b"),
        numpy_helper.from_array(clf.coef_.T.astype(np.float32), "fc_w"),
        numpy_helper.from_array(clf.intercept_.astype(np.float32), "fc_b"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv_w", "conv_b"], ["c"], name="conv_1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c"], ["c_relu"], name="relu_1"),
        helper.make_node("AveragePool", ["c_relu"], ["p"], name="pool_1",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten_1", axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], name="dense_1"),
    ]
    graph = helper.make_graph(
        nodes, "cnn_digits",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    return clf, graph


def ops_zoo():
    rng = np.random.default_rng(SEED)
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    inits = [
        numpy_helper.from_array(f32(rng.normal(0, 0.5, (3, 1, 3, 3))), "k"),
        numpy_helper.from_array(f32(rng.normal(0, 0.1, 3)), "kb"),
        numpy_helper.from_array(np.array([1, 12], dtype=np.int64), "shape"),
        numpy_helper.from_array(f32(rng.normal(0, 0.4, (12, 6))), "m"),
        numpy_helper.from_array(f32(rng.normal(0, 0.2, 6)), "mb"),
        numpy_helper.from_array(f32([0.5]), "half"),
        numpy_helper.from_array(f32(rng.normal(0, 0.8, (10, 6))), "g"),
        numpy_helper.from_array(f32(rng.normal(0, 0.1, 10)), "gb"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "k", "kb"], ["c"], name="conv_s2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("MaxPool", ["c"], ["p"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Tanh", ["p"], ["t"], name="tanh"),
        helper.make_node("Reshape", ["t", "shape"], ["r"], name="reshape"),
        helper.make_node("MatMul", ["r", "m"], ["mm"], name="matmul"),
        helper.make_node("Add", ["mm", "mb"], ["a"], name="bias"),
        helper.make_node("Sigmoid", ["a"], ["s"], name="sigmoid"),
        helper.make_node("Sub", ["s", "half"], ["centered"], name="center"),
        helper.make_node("Gemm", ["centered", "g", "gb"], ["logits"], name="dense_t", transB=1, alpha=1.5),
    ]
    return helper.make_graph(
        nodes, "ops_zoo",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)


TEMPERATURE = 1.5


def calibration_head():
    """Softmax(scores / T): fixed weights, no training."""
    weight = numpy_helper.from_array((np.eye(10) / TEMPERATURE).astype(np.float32), "W")
    bias = numpy_helper.from_array(np.zeros(10, dtype=np.float32), "B")
    nodes = [helper.make_node("Gemm", ["scores", "W", "B"], ["scaled"]),
             helper.make_node("Softmax", ["scaled"], ["probabilities"], axis=1)]
    return helper.make_graph(
        nodes, "calibration_head",
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 10])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        [weight, bias])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["calibration_head"]:
        save(calibration_head(), "calibration_head", {"daifi.input_range": "-32,32"})
        return 0
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=SEED, stratify=digits.target)
    metadata = {"daifi.input_range": "0,1"}
    for hidden in (32, 128):
        clf, graph = mlp(hidden, x_train, y_train)
        save(graph, f"mlp_64_{hidden}_10", metadata)
        print(f"mlp_64_{hidden}_10: float test accuracy {clf.score(x_test, y_test):.4f}")
    clf, graph = cnn(x_train, y_train)
    save(graph, "cnn_digits", metadata)
    print(f"cnn_digits: float test accuracy {clf.score(conv_features(x_test), y_test):.4f}")
    save(ops_zoo(), "ops_zoo", metadata)
    print("ops_zoo: written (untrained)")
    save(calibration_head(), "calibration_head", {"daifi.input_range": "-32,32"})
    test = {"inputs": x_test.round(6).tolist(), "labels": y_test.tolist()}
    (OUT / "digits_test.json").write_text(json.dumps(test, separators=(",", ":")))
    print(f"{len(y_test)} test images written")


if __name__ == "__main__":
    sys.exit(main())
