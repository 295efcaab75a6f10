"""The book's benchmark suite: ``make bench`` (or ``python -m bench``).

It measures, on whatever machine runs it, and records the machine with the figures:

1. ``chapters`` — execution time and peak memory of every chapter (smoke and full mode), the
   full book build and a cached rebuild with no change;
2. ``models``   — training throughput of the book's ResNet-50 and MobileNetV2 against
   ``keras.applications`` (same batch, same input, one process), and the GFLOP/s that
   ResNet-50 training achieves against the machine's measured matrix-multiply peak;
3. ``pipeline`` — the input pipeline (``image_dataset_from_directory``, augmentation, cache,
   prefetch) against what the model consumes, naive against tuned;
4. ``acceleration`` — ResNet-50 training with float32, XLA and mixed precision (the
   measurement behind ``cnnbook.acceleration``);
   ``autotune`` — how long ``fit`` runs on after its last step with tf.data autotuning on and
   off (the measurement behind ``cnnbook.data.without_autotune``);
5. ``kernels``  — measured against theoretical speedups of the 1x1 bottleneck and of
   depthwise-separable convolutions over channel counts and filter sizes;
6. ``recipe``   — the transfer-learning recipe (``cnnbook.transfer.BEST``: MobileNetV2 with
   ImageNet weights fine-tuned on the sign-language digits) over three seeds, and each of its
   steps changed on its own: test accuracy, seconds per epoch, wall-clock and CPU seconds
   (``make bench BENCH=recipe``; not in the default set, about 40 minutes on 2 shared cores).

Every timing is repeated: the JSON keeps all runs, reports show the median and the spread.
``cnnbook.benchmarks`` renders the JSON files in ``bench/results/``, for the markdown report
beside each and for the appendix chapter ``chapters/appendices/performance.ipynb`` alike.
Benchmarks are never part of the test suite's pass/fail on speed.
"""
