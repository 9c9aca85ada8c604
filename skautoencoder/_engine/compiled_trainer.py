"""The training loop: many mini-batch steps in one compiled call.

``keras.Model.fit`` pays Python and framework dispatch on every mini-batch,
which dominates the cost of the small networks autoencoders for tabular data
use. Here one compiled TensorFlow function (XLA for long fits) loops over a
whole chunk of mini-batches: an epoch is one call for up to 16 MB of rows,
and a few calls beyond. Each chunk's rows are read from the caller's data
just before its call (see :mod:`skautoencoder._data_sources`), so training
never copies the whole data set, which may be larger than memory. Keras
still supplies the models and the optimizer, so every Keras optimizer and
layer keeps working.
"""

import numpy as np

from .._data_sources import rows_per_block
from .backend import call_quietly_the_first_time, import_tensorflow
from .snapshot import TrainingSnapshot

# How an epoch runs depends on how many steps the whole fit takes. Tracing a
# TensorFlow graph costs about 0.5 s and then saves about 0.1 s per step over
# running eagerly (Keras's optimizers dispatch op by op); XLA compilation
# costs about 0.8 s more and saves about 0.3 ms per step over a plain graph.
# Each pays off only past its count. A trainer kept for later fits (pooled
# for the next fit of its network, or kept by partial_fit) traces its graph
# for fits of any length, since later fits reuse it. The mode depends on the
# configuration only, so seeded fits stay bitwise reproducible; eager and
# graph steps agree to float32 rounding.
GRAPH_MIN_STEPS = 8
XLA_MIN_STEPS = 2500
# A fit that may stop early cannot know how many steps it will take: it runs
# its first steps as a graph and compiles only once they would have paid for
# it (see epoch_modes). Early stopping ends most fits of small data long
# before their last epoch. Measured on 2 cores: XLA took 0.5-1.3 s more to
# start than a graph, for steps 0.03-0.07 ms faster on the map's network
# with 14 to 64 columns, and compiling from the start made the defaults'
# fits of tables of 300-400 rows up to half as slow again; with 780 columns
# an XLA step was 0.9 ms faster (0.09 against 1.0 ms). So the graph runs
# XLA_SWITCH_STEPS steps of rows up to XLA_SWITCH_WIDTH values wide (a
# map's step reads each row with its neighbour: 64 columns read 128), and
# proportionally fewer of wider rows.
XLA_SWITCH_STEPS = 10_000
XLA_SWITCH_WIDTH = 200


def execution_mode(n_steps, reused=False):
    """ "eager", "graph" or "xla": the cheapest way to run ``n_steps`` steps.

    Parameters
    ----------
    n_steps : int
        Mini-batch steps the whole fit takes.
    reused : bool, default=False
        Whether the trainer is kept for later fits, which reuse its graph.
    """
    if n_steps >= XLA_MIN_STEPS:
        return "xla"
    return "graph" if reused or n_steps >= GRAPH_MIN_STEPS else "eager"


def epoch_modes(epochs, steps_per_epoch, reused=False, may_stop_early=False, width=1):
    """The execution mode of each epoch, 1 to ``epochs``, as a function of the epoch.

    Parameters
    ----------
    epochs, steps_per_epoch : int
    reused : bool, default=False
        As for :func:`execution_mode`.
    may_stop_early : bool, default=False
        Whether early stopping may end the fit before its last epoch: then
        the epochs whose steps start within the first ``XLA_SWITCH_STEPS``
        (fewer for rows wider than ``XLA_SWITCH_WIDTH``) run as a graph, and
        only the later ones with XLA.
    width : int, default=1
        The values a step reads per row.

    Examples
    --------
    >>> mode_at = epoch_modes(3000, 20, may_stop_early=True)
    >>> mode_at(1), mode_at(500), mode_at(501)
    ('graph', 'graph', 'xla')
    >>> epoch_modes(3000, 20, may_stop_early=True, width=1000)(101)
    'xla'
    """
    mode = execution_mode(epochs * steps_per_epoch, reused)
    if mode != "xla" or not may_stop_early:
        return lambda epoch: mode
    graph_steps = XLA_SWITCH_STEPS * min(1.0, XLA_SWITCH_WIDTH / max(1, width))
    return lambda epoch: "xla" if (epoch - 1) * steps_per_epoch >= graph_steps else "graph"


class CompiledTrainer:
    """Compiled training and evaluation steps for one objective and optimizer.

    Parameters
    ----------
    objective : Objective
        The per-row loss and the encoder and decoder it trains.
    optimizer : keras.optimizers.Optimizer
        Built here for the objective's trainable variables if it is not yet.
        Its step counter also numbers the random draws of the objective.
    settings : object, default=None
        What the caller built this trainer from, to tell later whether it
        still fits the caller's settings.
    strategy : tf.distribute.Strategy, default=None
        Split each mini-batch across the strategy's devices; the objective's
        models and the optimizer must have been built in its scope. Steps
        then always run as a plain graph.
    reused : bool, default=False
        Whether the trainer is kept for later fits (see :func:`execution_mode`).
    """

    def __init__(self, objective, optimizer, settings=None, strategy=None, reused=False):
        tf = import_tensorflow()
        self._tf = tf
        self.objective = objective
        self.optimizer = optimizer
        self.settings = settings
        self.strategy = strategy
        self.reused = reused
        if not optimizer.built:
            optimizer.build(objective.trainable_variables)
        self._fresh_optimizer = TrainingSnapshot([], optimizer)
        # Each dropout layer's random state and the seed it was built with
        # (its first state), for ``start_from``.
        self._dropout_states = [
            (generator.state, int(generator.state.numpy()[0]))
            for model in (objective.encoder, objective.decoder)
            for layer in model.layers
            if (generator := getattr(layer, "seed_generator", None)) is not None
        ]
        # Traced without AutoGraph: nothing here branches or loops in Python
        # on a tensor's value, nor can a user's model (Keras builds each one
        # it accepts on symbolic inputs, where such code fails), and
        # AutoGraph's conversion of the code it calls made the first fit in
        # a process about 2 s slower.
        if strategy is None:
            # reduce_retracing: after a second shape (another data size or
            # batch size), one trace serves every shape.
            self._epoch_fns = {
                "eager": self._epoch,
                "graph": tf.function(self._epoch, reduce_retracing=True, autograph=False),
                "xla": tf.function(self._epoch, jit_compile=True, autograph=False),
            }
        else:
            distributed_epoch = tf.function(self._distributed_epoch, autograph=False)
            self._epoch_fns = dict.fromkeys(("eager", "graph", "xla"), distributed_epoch)
        self._loss_sum_fns = {
            "eager": self._loss_sum,
            "graph": tf.function(self._loss_sum, reduce_retracing=True, autograph=False),
        }
        self._squared_error_fns = {
            "eager": self._squared_errors,
            "graph": tf.function(self._squared_errors, reduce_retracing=True, autograph=False),
        }

    def start_from(self, encoder_weights, decoder_weights, seed):
        """Make this trainer's models and optimizer as if newly built.

        The models take the given initial weights, the optimizer its state
        before any step, and the random draws (the objective's, a label
        classifier's first weights, each dropout layer's masks) those of
        networks built from ``seed``: training then gives exactly what a new
        trainer would, without compiling again. The trainer's own networks
        must have been built from seed 0, as ``build_networks`` numbers its
        layers' seeds from the first.
        """
        self.objective.encoder.set_weights(encoder_weights)
        self.objective.decoder.set_weights(decoder_weights)
        self.objective.sync_tied_kernels()
        self.objective.start_from_seed(seed)
        for state, layer_seed in self._dropout_states:
            state.assign([layer_seed + seed, 0])
        self._fresh_optimizer.restore()

    def _step(self, x, row_weights, total_weight=None, n_replicas=1):
        # With a distribution strategy, x is this device's share of the batch
        # and total_weight the whole batch's: the devices' gradients, which
        # the optimizer sums, add up to the gradient of the whole batch.
        tf = self._tf
        if total_weight is None:
            total_weight = tf.reduce_sum(row_weights)
        with tf.GradientTape() as tape:
            per_row = self.objective.per_row(x, self.optimizer.iterations, training=True)
            loss = tf.reduce_sum(per_row * row_weights) / total_weight
            layer_losses = self.objective.layer_losses
            if layer_losses:
                loss += tf.add_n(layer_losses) / n_replicas
        variables = self.objective.trainable_variables
        tied = self.objective.tied_kernels
        gradients = tape.gradient(loss, variables + [decoder_kernel for _, decoder_kernel in tied])
        gradients, tied_gradients = gradients[: len(variables)], gradients[len(variables) :]
        if tied:
            # A tied kernel W is used as W (encoder) and W^T (decoder): its
            # gradient is the sum of both uses.
            position = {id(v): i for i, v in enumerate(variables)}
            for (encoder_kernel, _), decoder_gradient in zip(tied, tied_gradients):
                i = position[id(encoder_kernel)]
                gradients[i] = gradients[i] + tf.transpose(decoder_gradient)
        if self.strategy is None:
            # Called in a replica context, a Keras optimizer sums the
            # gradients over the replicas, one here. TensorFlow's sum registers
            # a gradient function for each traced step in a process-wide
            # registry, which keeps every traced graph, with its network,
            # for the life of the process. From the default strategy's
            # cross-replica context the update is the same, bit for bit,
            # and nothing is kept.
            tf.distribute.get_replica_context().merge_call(
                lambda _: self.optimizer.apply_gradients(zip(gradients, variables))
            )
        else:
            self.optimizer.apply_gradients(zip(gradients, variables))
        self.objective.sync_tied_kernels()
        return loss * total_weight

    def _replica_step(self, x, row_weights):
        tf = self._tf
        context = tf.distribute.get_replica_context()
        n_replicas = context.num_replicas_in_sync
        share = tf.range(context.replica_id_in_sync_group, tf.shape(x)[0], n_replicas)
        return self._step(tf.gather(x, share), tf.gather(row_weights, share), tf.reduce_sum(row_weights), n_replicas)

    def _distributed_epoch(self, batches, row_weights):
        tf = self._tf
        batches, row_weights = tf.convert_to_tensor(batches), tf.convert_to_tensor(row_weights)

        def step(i, total):
            per_replica = self.strategy.run(self._replica_step, args=(batches[i], row_weights[i]))
            return i + 1, total + self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

        return self._loop(step, tf.shape(batches)[0])

    def _epoch(self, batches, row_weights):
        tf = self._tf
        batches, row_weights = tf.convert_to_tensor(batches), tf.convert_to_tensor(row_weights)

        def step(i, total):
            return i + 1, total + self._step(batches[i], row_weights[i])

        return self._loop(step, tf.shape(batches)[0])

    def _loop(self, step, n_batches):
        """The loss sum of ``step(i, total) -> (i + 1, total + loss)`` over ``n_batches`` batches."""
        tf = self._tf
        _, total = tf.while_loop(lambda i, _: i < n_batches, step, (tf.constant(0), tf.zeros((), dtype=tf.float32)))
        return total

    def _loss_sum(self, x):
        x = self._tf.convert_to_tensor(x)
        return self._tf.reduce_sum(self.objective.per_row(x, 0, training=False))

    def _squared_errors(self, x):
        return self.objective.squared_error_per_row(self._tf.convert_to_tensor(x))

    def train_epoch(self, source, rows, batch_size, *, shuffle, rng, mode):
        """Run one epoch of mini-batch steps over ``rows`` of ``source``.

        The rows, shuffled or in order, are cut into batches of
        ``batch_size``; a shorter last batch is filled up with rows of
        weight zero (repeats of its own rows, so that batch statistics stay
        realistic). The batches go through the compiled function in calls of
        a fixed number of batches, all of one size but the last (so at most
        two compiled shapes), the rows of each read from ``source`` just
        before its call.

        Parameters
        ----------
        source : InMemoryRows or StreamedRows
            The data (see :mod:`skautoencoder._data_sources`).
        rows : ndarray of int
            Sorted indices of the rows to train on.
        batch_size : int
            Rows per step.
        shuffle : bool
            Whether to visit the rows in a random order.
        rng : numpy.random.RandomState
            Source of that order.
        mode : {"eager", "graph", "xla"}
            How to run the steps (see :func:`execution_mode`).

        Returns
        -------
        loss : float
            Mean of the per-step losses, weighted by rows per step.
        """
        n_rows = len(rows)
        batch_size = min(batch_size, n_rows)
        call_rows = max(1, rows_per_block(source.n_features) // batch_size) * batch_size
        epoch = self._epoch_fns[mode]
        total = 0.0
        pending = np.empty((0, source.n_features), dtype=np.float32)
        for chunk in source.training_chunks(rows, call_rows, shuffle, rng):
            pending = np.concatenate([pending, chunk]) if len(pending) else chunk
            while len(pending) >= call_rows:
                total += self._run_batches(epoch, mode, pending[:call_rows], batch_size)
                pending = pending[call_rows:]
        if len(pending):
            total += self._run_batches(epoch, mode, pending, batch_size)
        return total / n_rows

    def _run_batches(self, epoch, mode, x, batch_size):
        """One compiled call over the rows ``x``, cut into batches; the loss sum."""
        n_batches = -(-len(x) // batch_size)
        row_weights = np.ones(n_batches * batch_size, dtype=np.float32)
        padding = len(row_weights) - len(x)
        if padding:
            row_weights[len(x) :] = 0.0
            last_batch = x[(n_batches - 1) * batch_size :]
            x = np.concatenate([x, np.resize(last_batch, (padding, x.shape[1]))])
        x = x.reshape(n_batches, batch_size, -1)
        return float(call_quietly_the_first_time(mode, epoch, x, row_weights.reshape(n_batches, batch_size)))

    def evaluate(self, source, rows, mode="graph"):
        """Return the mean loss over ``rows`` of ``source`` without training."""
        return sum(float(total) for total in self._over_chunks(self._loss_sum_fns, source, rows, mode)) / len(rows)

    def squared_errors(self, source, rows, mode="graph"):
        """Return each row's mean squared reconstruction error, for ``rows`` of ``source`` in order."""
        return np.concatenate([np.asarray(e) for e in self._over_chunks(self._squared_error_fns, source, rows, mode)])

    def _over_chunks(self, fns, source, rows, mode):
        """Yield ``fns[mode]`` of each chunk of ``rows``, run eagerly or as a graph (never XLA)."""
        mode = "eager" if mode == "eager" else "graph"
        for chunk in source.chunks(rows, rows_per_block(source.n_features)):
            yield call_quietly_the_first_time(mode, fns[mode], chunk)
