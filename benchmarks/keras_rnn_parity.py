"""tenseur.keras' recurrent layers on sequences of unknown length (keras.Input((None, ...)),
run as a while loop) against Keras 3: outputs, then one SGD step (loss and every weight), with
and without masks, forwards and backwards. (Fixed lengths, where the steps are unrolled, are
in keras_layer_parity.py.)

Run: PYTHONPATH=. TF_CPP_MIN_LOG_LEVEL=3 .venv-bench/bin/python benchmarks/keras_rnn_parity.py
Exit status 1 if a case differs.
"""
import sys
import os, numpy as np
os.environ["KERAS_BACKEND"]="tensorflow"
import keras
from tenseur import keras as tk
rng=np.random.default_rng(0)
def compare(name, cls, kw, mask_zero=False):
    if mask_zero:
        x=rng.integers(1,9,size=(4,7)); x[0,4:]=0; x[1,:2]=0; x[2,3]=0
        ki=keras.Input((None,), dtype="int32"); ti=tk.Input((None,), dtype="int32")
        kh=keras.layers.Embedding(10,5,mask_zero=True)(ki); th=tk.layers.Embedding(10,5,mask_zero=True)(ti)
    else:
        x=rng.normal(size=(4,7,5)).astype(np.float32)
        ki=keras.Input((None,5)); ti=tk.Input((None,5)); kh,th=ki,ti
    km=keras.Model(ki, getattr(keras.layers,cls)(**kw)(kh)); tm=tk.Model(ti, getattr(tk.layers,cls)(**kw)(th))
    w=[a + rng.normal(size=a.shape).astype(np.float32)*0.3 for a in km.get_weights()]
    km.set_weights(w); tm.set_weights(w)
    kp=km.predict(x,verbose=0); tp=tm.predict(x,verbose=0)
    y=rng.normal(size=kp.shape).astype(np.float32)
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse"); tm.compile(optimizer=tk.optimizers.SGD(0.1), loss="mse")
    l1=km.train_on_batch(x,y); l2=tm.train_on_batch(x,y)
    dw=max(np.abs(a-b).max() for a,b in zip(km.get_weights(), tm.get_weights()))
    d=np.abs(kp-tp).max()
    ok = d < 1e-4 and dw < 1e-4 and abs(float(l1) - float(l2)) < 1e-5
    print(f"{'ok' if ok else 'MISMATCH':9s} {name}: outputs {d:.1e}, loss {float(l1):.6f} / "
          f"{float(l2):.6f}, weights after the step {dw:.1e}")
    return ok
results = []
for cls in ("SimpleRNN", "LSTM", "GRU"):
    results.append(compare(cls, cls, {"units": 4}))
    results.append(compare(cls + " seq back", cls,
                           {"units": 4, "return_sequences": True, "go_backwards": True}))
    results.append(compare(cls + " masked seq", cls, {"units": 3, "return_sequences": True},
                           mask_zero=True))
    results.append(compare(cls + " masked last", cls, {"units": 3}, mask_zero=True))
print(f"{sum(results)} of {len(results)} ok")
sys.exit(0 if all(results) else 1)
