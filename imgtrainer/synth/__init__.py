"""imgtrainer.synth"""
