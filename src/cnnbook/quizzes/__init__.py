"""Self-check questions, one module per chapter of Parts I-III (``cnnbook.quiz.show``).

A module is named after its chapter's file (``simple-convnet.ipynb`` ->
``cnnbook.quizzes.simple_convnet``) and has ``questions()``, returning 3 to 5 questions built
with ``cnnbook.quiz.multiple_choice`` and ``cnnbook.quiz.numeric``. Numeric answers are computed
with the book's functions, never typed in. Taught in every chapter of Parts I-III, under *Check
yourself* (e.g. *A simple convolutional network*).
"""
