"""Mistake: the pixels are divided by 255 instead of going through preprocess_input, so the
base sees [0, 1] instead of the [-1, 1] it was trained on."""

import keras

from cnnbook.weights import imagenet_weights

QUESTION = "transfer_model"  # the question that must lose points


def transfer_model(image_shape=(160, 160), data_augmentation=None, classes=10):
    data_augmentation = data_augmentation or data_augmenter()  # noqa: F821 (the learner's own)
    input_shape = image_shape + (3,)
    base_model = keras.applications.MobileNetV2(
        input_shape=input_shape, include_top=False, weights=imagenet_weights(image_shape[0])
    )
    base_model.trainable = False
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = x / 255.0
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
