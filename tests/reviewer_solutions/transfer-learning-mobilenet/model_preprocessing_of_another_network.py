"""Mistake: the preprocessing of another network, ResNet-50's (keras.applications.resnet50:
RGB to BGR and the ImageNet mean subtracted, no scaling), instead of MobileNetV2's [-1, 1]."""

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
    x = keras.applications.resnet50.preprocess_input(x)
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
